namespace ModelShield.Training.Executor.Converters;

/// <summary>GlobalAveragePool: the mean over every spatial dimension, kept as size-1 dimensions.</summary>
internal sealed class GlobalAveragePool : OpConverter
{
    public override string OpType => "GlobalAveragePool";

    public override OpKernel Convert(NodeInfo node) =>
        Unary(node, x => x.mean(Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(), keepdim: true));
}
