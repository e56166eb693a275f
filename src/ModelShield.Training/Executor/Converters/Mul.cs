namespace ModelShield.Training.Executor.Converters;

/// <summary>Mul: element-wise product with multidirectional broadcasting (legacy broadcast attribute before opset 7, see Elementwise).</summary>
internal sealed class Mul : OpConverter
{
    public override string OpType => "Mul";

    public override OpKernel Convert(NodeInfo node) => Elementwise.Binary(node, (a, b) => a * b);
}
