using TorchSharp;

namespace ModelShield.Training.Executor.Converters;

/// <summary>Relu: max(x, 0).</summary>
internal sealed class Relu : OpConverter
{
    public override string OpType => "Relu";

    public override OpKernel Convert(NodeInfo node) => Unary(node, x => torch.nn.functional.relu(x));
}
