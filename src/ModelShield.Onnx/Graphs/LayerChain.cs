using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;

namespace ModelShield.Onnx.Graphs;

/// <summary>
/// A sequential classifier seen as weight layers (Conv, Gemm, MatMul with an initializer weight)
/// joined by channel-wise operators (activations, pooling, BatchNormalization, Dropout, Flatten). This
/// is what permutation, rescaling, dummy neurons and last-layer attacks need to know: which weight axis
/// holds a layer's output channels, which axis of the next layer reads them, and what lies between.
/// </summary>
internal sealed class LayerChain
{
    private static readonly HashSet<string> ChannelWise = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Dropout", "Identity", "Flatten",
    };

    /// <summary>Operators f with f(a x) = a f(x) for a &gt; 0, per channel.</summary>
    private static readonly HashSet<string> PositivelyHomogeneous = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "MaxPool", "AveragePool", "GlobalAveragePool", "Dropout", "Identity", "Flatten",
    };

    private LayerChain(List<Layer> layers, List<Link> links)
    {
        Layers = layers;
        Links = links;
    }

    public IReadOnlyList<Layer> Layers { get; }

    /// <summary>The joints between consecutive layers, in order.</summary>
    public IReadOnlyList<Link> Links { get; }

    public Layer Last => Layers[^1];

    public static LayerChain Analyze(OnnxModel model)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw NotAChain($"it has {inputs.Count} inputs, not 1");
        }

        var layers = new List<Layer>();
        var links = new List<Link>();
        var between = new List<NodeProto>();
        var current = inputs[0].Name;
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        while (!outputs.Contains(current))
        {
            var readers = graph.Node.Where(n => n.Input.Contains(current)).ToList();
            if (readers.Count != 1 || readers[0].Input[0] != current || readers[0].Input.Skip(1).Contains(current))
            {
                throw NotAChain($"value '{current}' is read by {readers.Count} nodes or not as their first input");
            }

            var node = readers[0];
            var layer = AsLayer(node, initializers, graph);
            if (layer is not null)
            {
                if (layers.Count > 0)
                {
                    links.Add(MakeLink(layers[^1], layer, between, initializers));
                }

                layers.Add(layer);
                between = [];
                current = layer.Output;
                continue;
            }

            if (!ChannelWise.Contains(node.OpType) && !(layers.Count > 0 && node.OpType is "Softmax" or "LogSoftmax"))
            {
                throw NotAChain($"{node.OpType} node '{node.Name}' is neither a weight layer nor a channel-wise operator");
            }

            between.Add(node);
            current = node.Output[0];
        }

        if (layers.Count == 0)
        {
            throw NotAChain("it has no weight layer (Conv, Gemm, MatMul)");
        }

        return new LayerChain(layers, links);
    }

    private static Layer? AsLayer(NodeProto node, Dictionary<string, TensorProto> initializers, GraphProto graph)
    {
        TensorProto? Init(int i) => i < node.Input.Count && initializers.TryGetValue(node.Input[i], out var t) ? t : null;
        switch (node.OpType)
        {
            case "Conv" when Init(1) is { } w:
                var group = node.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
                return new Layer(node, w, Init(2), OutAxis: 0, InAxis: 1, w.Dims[0], w.Dims[1], group == 1, node.Output[0]);
            case "Gemm" when Init(1) is { } w && (node.Attribute.FirstOrDefault(a => a.Name == "transA")?.I ?? 0) == 0:
                var transB = (node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I ?? 0) != 0;
                var bias = Init(2) is { Dims.Count: 1 } b ? b : null;
                return new Layer(node, w, bias, transB ? 0 : 1, transB ? 1 : 0, w.Dims[transB ? 0 : 1], w.Dims[transB ? 1 : 0], Init(2) is null || bias is not null, node.Output[0]);
            case "MatMul" when Init(1) is { Dims.Count: 2 } w:
                // PyTorch exports Linear without Gemm as MatMul followed by Add of the bias.
                var add = graph.Node.Where(n => n.OpType == "Add" && n.Input.Count == 2 && n.Input[0] == node.Output[0]).ToList();
                var addBias = add.Count == 1 && initializers.TryGetValue(add[0].Input[1], out var ab) && ab.Dims.Count == 1 ? ab : null;
                return addBias is null
                    ? new Layer(node, w, null, 1, 0, w.Dims[1], w.Dims[0], true, node.Output[0])
                    : new Layer(node, w, addBias, 1, 0, w.Dims[1], w.Dims[0], true, add[0].Output[0]);
            default:
                return null;
        }
    }

    private static Link MakeLink(Layer from, Layer to, List<NodeProto> between, Dictionary<string, TensorProto> initializers)
    {
        var norms = between.Where(n => n.OpType == "BatchNormalization").Select(n => n.Input.Skip(1).Take(4).Select(i => initializers.GetValueOrDefault(i)).ToArray()).ToList();
        var lastNorm = between.FindLastIndex(n => n.OpType == "BatchNormalization");
        var homogeneousAfterScaling = between.Skip(lastNorm + 1).All(n => PositivelyHomogeneous.Contains(n.OpType));
        var spread = from.OutChannels > 0 && to.InChannels % from.OutChannels == 0 ? to.InChannels / from.OutChannels : 0;
        var channelWise = between.All(n => ChannelWise.Contains(n.OpType)) && norms.All(p => p.All(t => t is not null && t.Dims.Count == 1))
            && from.Plain && to.Plain && spread > 0 && (spread == 1 || between.Any(n => n.OpType == "Flatten"));
        return new Link(from, to, between.ToList(), norms.Select(p => p!).ToList()!, spread, channelWise, channelWise && homogeneousAfterScaling);
    }

    private static ModelShieldException NotAChain(string why) =>
        new(ErrorCodes.InvalidAttackArguments, $"The model is not a sequential classifier this attack can work on: {why}.");
}

/// <summary>A weight layer: its node, weight and bias, which weight axis holds output and input channels, and whether it is a plain (ungrouped) layer.</summary>
internal sealed record Layer(NodeProto Node, TensorProto Weight, TensorProto? Bias, int OutAxis, int InAxis, long OutChannels, long InChannels, bool Plain, string Output);

/// <summary>
/// The joint between two layers: the operators between, the BatchNormalization parameters among them
/// (scale, bias, mean, variance), how many inputs of the next layer each channel feeds (after a Flatten),
/// whether channels can be permuted or given dummies, and whether they can be rescaled.
/// </summary>
internal sealed record Link(Layer From, Layer To, IReadOnlyList<NodeProto> Between, IReadOnlyList<TensorProto[]> Norms, long Spread, bool Permutable, bool Rescalable);
