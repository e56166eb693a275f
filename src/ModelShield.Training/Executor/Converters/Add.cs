namespace ModelShield.Training.Executor.Converters;

/// <summary>Add: element-wise sum with multidirectional broadcasting (opset 7 on; earlier opsets used a broadcast attribute).</summary>
internal sealed class Add : OpConverter
{
    public override string OpType => "Add";

    public override int MinOpset => 7;

    public override OpKernel Convert(NodeInfo node) => Binary(node, (a, b) => a + b);
}
