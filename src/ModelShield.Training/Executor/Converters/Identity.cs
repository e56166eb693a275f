namespace ModelShield.Training.Executor.Converters;

/// <summary>Identity: the input itself (an alias, so that disposing the output never disposes a weight).</summary>
internal sealed class Identity : OpConverter
{
    public override string OpType => "Identity";

    public override OpKernel Convert(NodeInfo node) => Unary(node, x => x.alias());
}
