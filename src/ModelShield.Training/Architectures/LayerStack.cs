using ModelShield.Onnx.Schema;
using TorchSharp;
using static ModelShield.Training.Architectures.GraphBuilder;

namespace ModelShield.Training.Architectures;

/// <summary>
/// Builds a sequential classifier graph layer by layer with seeded He initialisation (weights normal
/// with standard deviation sqrt(2 / fan-in), 1 / fan-in for the output layer; biases zero).
/// Initializer names follow the layer names (e.g. <c>conv1.weight</c>), as PyTorch's exporter names them.
/// </summary>
internal sealed class LayerStack
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    private readonly GraphBuilder _graph;
    private readonly int _seed;
    private int _draws;
    private string _current;
    private long[] _shape;

    public LayerStack(string name, int seed, long[] inputShape)
    {
        _graph = new GraphBuilder(name, opset: 17);
        _seed = seed;
        _shape = inputShape;
        _current = _graph.Input(InputName, [-1, .. inputShape]);
    }

    /// <summary>The shape of the current activation, without the batch dimension.</summary>
    public IReadOnlyList<long> Shape => _shape;

    public LayerStack Conv(string name, long outChannels, long kernel, long padding)
    {
        var inChannels = _shape[0];
        var w = _graph.Initializer($"{name}.weight", Normal(MathF.Sqrt(2f / (inChannels * kernel * kernel)), outChannels, inChannels, kernel, kernel), outChannels, inChannels, kernel, kernel);
        var b = _graph.Initializer($"{name}.bias", new float[outChannels], outChannels);
        _current = _graph.Node("Conv", [_current, w, b], [$"{name}.out"], name, Ints("kernel_shape", kernel, kernel), Ints("pads", padding, padding, padding, padding))[0];
        _shape = [outChannels, _shape[1] + (2 * padding) - kernel + 1, _shape[2] + (2 * padding) - kernel + 1];
        return this;
    }

    public LayerStack BatchNorm(string name)
    {
        var c = _shape[0];
        _current = _graph.Node(
            "BatchNormalization",
            [
                _current,
                _graph.Initializer($"{name}.weight", Enumerable.Repeat(1f, (int)c).ToArray(), c),
                _graph.Initializer($"{name}.bias", new float[c], c),
                _graph.Initializer($"{name}.running_mean", new float[c], c),
                _graph.Initializer($"{name}.running_var", Enumerable.Repeat(1f, (int)c).ToArray(), c),
            ],
            [$"{name}.out"],
            name,
            Attr("epsilon", 1e-5f),
            Attr("momentum", 0.9f))[0];
        return this;
    }

    public LayerStack Relu(string name)
    {
        _current = _graph.Node("Relu", [_current], [$"{name}.out"], name)[0];
        return this;
    }

    public LayerStack MaxPool(string name, long size)
    {
        _current = _graph.Node("MaxPool", [_current], [$"{name}.out"], name, Ints("kernel_shape", size, size), Ints("strides", size, size))[0];
        _shape = [_shape[0], _shape[1] / size, _shape[2] / size];
        return this;
    }

    public LayerStack Flatten(string name)
    {
        _current = _graph.Node("Flatten", [_current], [$"{name}.out"], name, Attr("axis", 1L))[0];
        _shape = [_shape.Aggregate(1L, (a, b) => a * b)];
        return this;
    }

    public LayerStack Dropout(string name, float ratio)
    {
        // A Constant node rather than an initializer: the ratio is not a weight to train.
        var r = _graph.Node("Constant", [], [$"{name}.ratio"], $"{name}.ratio", Attr("value", Tensor($"{name}.ratio", [ratio])))[0];
        _current = _graph.Node("Dropout", [_current, r], [$"{name}.out"], name)[0];
        return this;
    }

    /// <summary>A fully connected layer (Gemm with transB = 1, weight [out, in] as PyTorch's Linear).</summary>
    public LayerStack Linear(string name, long outFeatures, bool output = false)
    {
        var inFeatures = _shape[0];
        var std = output ? MathF.Sqrt(1f / inFeatures) : MathF.Sqrt(2f / inFeatures);
        var w = _graph.Initializer($"{name}.weight", Normal(std, outFeatures, inFeatures), outFeatures, inFeatures);
        var b = _graph.Initializer($"{name}.bias", new float[outFeatures], outFeatures);
        _current = _graph.Node("Gemm", [_current, w, b], [output ? OutputName : $"{name}.out"], name, Attr("transB", 1L))[0];
        _shape = [outFeatures];
        return this;
    }

    public ModelProto Build(string architecture, int seed)
    {
        _graph.Output(_current, -1, _shape[0]);
        return _graph.Build([(ArchitectureRegistry.MetadataKey, architecture), ("modelshield.lab.init_seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
    }

    private float[] Normal(float std, params long[] shape)
    {
        // One generator per tensor, seeded from the model seed and the tensor's position: reproducible, and nothing to dispose later.
        using var generator = new torch.Generator((ulong)((_seed * 7919L) + _draws++));
        using var t = torch.randn(shape, generator: generator) * std;
        return t.data<float>().ToArray();
    }
}
