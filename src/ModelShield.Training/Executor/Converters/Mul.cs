namespace ModelShield.Training.Executor.Converters;

/// <summary>Mul: element-wise product with multidirectional broadcasting (opset 7 on).</summary>
internal sealed class Mul : OpConverter
{
    public override string OpType => "Mul";

    public override int MinOpset => 7;

    public override OpKernel Convert(NodeInfo node) => Binary(node, (a, b) => a * b);
}
