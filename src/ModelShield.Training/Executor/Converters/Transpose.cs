namespace ModelShield.Training.Executor.Converters;

/// <summary>Transpose: permutes the dimensions by perm (default: reversed).</summary>
internal sealed class Transpose : OpConverter
{
    public override string OpType => "Transpose";

    public override OpKernel Convert(NodeInfo node)
    {
        var perm = node.Ints("perm");
        return Unary(node, x =>
        {
            var order = perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
            if (order.Length != x.dim())
            {
                throw node.Invalid($"perm has {order.Length} entries for a tensor of rank {x.dim()}.");
            }

            return x.permute(order);
        });
    }
}
