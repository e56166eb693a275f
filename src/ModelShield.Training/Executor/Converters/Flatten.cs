namespace ModelShield.Training.Executor.Converters;

/// <summary>Flatten: a 2-D tensor [product of dims before axis, product of the rest]; axis defaults to 1 and may be negative (opset 11 on).</summary>
internal sealed class Flatten : OpConverter
{
    public override string OpType => "Flatten";

    public override OpKernel Convert(NodeInfo node)
    {
        var axis = node.Int("axis", 1);
        return Unary(node, x =>
        {
            var rank = x.dim();
            var a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a > rank)
            {
                throw node.Invalid($"axis {axis} is outside a tensor of rank {rank}.");
            }

            var rows = x.shape.Take((int)a).Aggregate(1L, (p, d) => p * d);
            var columns = x.shape.Skip((int)a).Aggregate(1L, (p, d) => p * d);
            return x.reshape(rows, columns);
        });
    }
}
