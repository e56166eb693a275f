using ModelShield.Onnx.Schema;

namespace ModelShield.Training.Architectures;

/// <summary>
/// A classifier of the lab, defined as an ONNX graph built in code: input <see cref="LayerStack.InputName"/>
/// [N, 1, 28, 28] in [0, 1], output <see cref="LayerStack.OutputName"/> [N, 10] logits.
/// </summary>
internal interface IArchitecture
{
    /// <summary>The stable id used on the command line (mlp, cnn, cnn-bn).</summary>
    string Id { get; }

    string Description { get; }

    /// <summary>A freshly initialised model; the same seed gives the same weights.</summary>
    ModelProto Build(int seed, int height = 28, int width = 28, int classes = 10);
}
