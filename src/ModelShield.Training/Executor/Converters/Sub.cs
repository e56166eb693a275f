namespace ModelShield.Training.Executor.Converters;

/// <summary>Sub: element-wise difference with multidirectional broadcasting (opset 7 on).</summary>
internal sealed class Sub : OpConverter
{
    public override string OpType => "Sub";

    public override int MinOpset => 7;

    public override OpKernel Convert(NodeInfo node) => Binary(node, (a, b) => a - b);
}
