namespace ModelShield.Training.Executor.Converters;

/// <summary>LogSoftmax (see <see cref="SoftmaxFamily"/> for the axis rules of opsets before and after 13).</summary>
internal sealed class LogSoftmax : OpConverter
{
    public override string OpType => "LogSoftmax";

    public override OpKernel Convert(NodeInfo node) => SoftmaxFamily.Convert(node, (x, axis) => x.log_softmax(axis));
}
