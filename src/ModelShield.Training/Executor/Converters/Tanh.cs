namespace ModelShield.Training.Executor.Converters;

/// <summary>Tanh: hyperbolic tangent.</summary>
internal sealed class Tanh : OpConverter
{
    public override string OpType => "Tanh";

    public override OpKernel Convert(NodeInfo node) => Unary(node, x => x.tanh());
}
