using TorchSharp;

namespace ModelShield.Training.Executor.Converters;

/// <summary>LeakyRelu: x for x &gt;= 0, alpha * x otherwise (alpha defaults to 0.01).</summary>
internal sealed class LeakyRelu : OpConverter
{
    public override string OpType => "LeakyRelu";

    public override OpKernel Convert(NodeInfo node)
    {
        var alpha = node.Float("alpha", 0.01f);
        return Unary(node, x => torch.nn.functional.leaky_relu(x, alpha));
    }
}
