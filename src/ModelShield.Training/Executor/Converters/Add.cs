namespace ModelShield.Training.Executor.Converters;

/// <summary>Add: element-wise sum with multidirectional broadcasting (legacy broadcast attribute before opset 7, see Elementwise).</summary>
internal sealed class Add : OpConverter
{
    public override string OpType => "Add";

    public override OpKernel Convert(NodeInfo node) => Elementwise.Binary(node, (a, b) => a.add(b, PinnedScalars.One));
}
