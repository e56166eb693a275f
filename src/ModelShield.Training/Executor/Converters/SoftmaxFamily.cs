using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// What Softmax and LogSoftmax share. Before opset 13 the input is read as a 2-D matrix
/// [product of dims before axis, product of the rest] (axis defaults to 1) and normalised along its
/// rows; from opset 13 the normalisation runs along the one axis (default -1).
/// </summary>
internal static class SoftmaxFamily
{
    public static OpKernel Convert(NodeInfo node, Func<Tensor, long, Tensor> normalize)
    {
        var coerced = node.Opset < 13;
        var axis = node.Int("axis", coerced ? 1 : -1);
        return (inputs, _) =>
        {
            var x = inputs[0] ?? throw node.Invalid("input 0 is required.");
            var rank = x.dim();
            var a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a > rank || (!coerced && a == rank))
            {
                throw node.Invalid($"axis {axis} is outside a tensor of rank {rank}.");
            }

            if (!coerced)
            {
                return [normalize(x, a)];
            }

            var rows = x.shape.Take((int)a).Aggregate(1L, (p, d) => p * d);
            return [normalize(x.reshape(rows, -1), 1).reshape(x.shape)];
        };
    }
}
