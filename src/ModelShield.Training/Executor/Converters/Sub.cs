namespace ModelShield.Training.Executor.Converters;

/// <summary>Sub: element-wise difference with multidirectional broadcasting (legacy broadcast attribute before opset 7, see Elementwise).</summary>
internal sealed class Sub : OpConverter
{
    public override string OpType => "Sub";

    public override OpKernel Convert(NodeInfo node) => Elementwise.Binary(node, (a, b) => a - b);
}
