namespace ModelShield.Training.Executor.Converters;

/// <summary>Sigmoid: 1 / (1 + exp(-x)).</summary>
internal sealed class Sigmoid : OpConverter
{
    public override string OpType => "Sigmoid";

    public override OpKernel Convert(NodeInfo node) => Unary(node, x => x.sigmoid());
}
