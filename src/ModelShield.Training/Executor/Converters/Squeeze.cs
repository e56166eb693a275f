namespace ModelShield.Training.Executor.Converters;

/// <summary>Squeeze: removes size-1 dimensions, those at axes (an attribute before opset 13, an optional input from 13) or all of them.</summary>
internal sealed class Squeeze : OpConverter
{
    public override string OpType => "Squeeze";

    public override OpKernel Convert(NodeInfo node)
    {
        var attributeAxes = node.Ints("axes");
        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            var axes = node.Opset >= 13
                ? (inputs.Length > 1 && inputs[1] is { } given ? TensorConversion.ToInt64s(given) : null)
                : attributeAxes;
            axes ??= Enumerable.Range(0, (int)x.dim()).Where(i => x.shape[i] == 1).Select(i => (long)i).ToArray();
            var y = x.alias();
            foreach (var axis in axes.Select(a => Axis(a, x.dim(), node)).OrderDescending())
            {
                if (x.shape[axis] != 1)
                {
                    throw node.Invalid($"dimension {axis} has size {x.shape[axis]}, not 1.");
                }

                y = y.squeeze(axis);
            }

            return [y];
        };
    }
}
