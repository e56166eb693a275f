namespace ModelShield.Training.Executor.Converters;

/// <summary>Softmax (see <see cref="SoftmaxFamily"/> for the axis rules of opsets before and after 13).</summary>
internal sealed class Softmax : OpConverter
{
    public override string OpType => "Softmax";

    public override OpKernel Convert(NodeInfo node) => SoftmaxFamily.Convert(node, (x, axis) => x.softmax(axis));
}
