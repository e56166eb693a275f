using ModelShield.Onnx.Schema;

namespace ModelShield.Training.Architectures;

/// <summary>MLP: flatten, 256 and 128 ReLU units, 10 outputs (235,146 parameters on 28x28).</summary>
internal sealed class Mlp : IArchitecture
{
    public string Id => "mlp";

    public string Description => "Multilayer perceptron: 784-256-128-10, ReLU";

    public ModelProto Build(int seed, int height = 28, int width = 28, int classes = 10) =>
        new LayerStack("mlp", seed, [1, height, width])
            .Flatten("flatten")
            .Linear("fc1", 256).Relu("relu1")
            .Linear("fc2", 128).Relu("relu2")
            .Linear("fc3", classes, output: true)
            .Build(Id, seed);
}
