namespace ModelShield.Training.Executor.Converters;

/// <summary>Unsqueeze: inserts size-1 dimensions at axes of the output (an attribute before opset 13, an input from 13; negative allowed).</summary>
internal sealed class Unsqueeze : OpConverter
{
    public override string OpType => "Unsqueeze";

    public override OpKernel Convert(NodeInfo node)
    {
        var attributeAxes = node.Ints("axes");
        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            var axes = node.Opset >= 13 ? TensorConversion.ToInt64s(Required(inputs, 1, node)) : attributeAxes ?? throw node.Invalid("attribute axes is required.");
            var rank = x.dim() + axes.Length;
            var y = x.alias();
            foreach (var axis in axes.Select(a => Axis(a, rank, node)).Order())
            {
                y = y.unsqueeze(axis);
            }

            return [y];
        };
    }
}
