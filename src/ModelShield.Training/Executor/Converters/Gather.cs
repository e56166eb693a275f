using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Gather: picks entries of the data along axis by an index tensor of any rank (negative indices count
/// from the end). The output's shape is data.shape[:axis] + indices.shape + data.shape[axis+1:].
/// </summary>
internal sealed class Gather : OpConverter
{
    public override string OpType => "Gather";

    public override OpKernel Convert(NodeInfo node)
    {
        var axis = node.Int("axis", 0);
        return (inputs, _) =>
        {
            var data = Required(inputs, 0, node);
            var indices = Required(inputs, 1, node);
            var a = Axis(axis, data.dim(), node);
            var size = data.shape[a];
            var flat = indices.to_type(ScalarType.Int64).flatten();
            using var zero = 0.ToScalar();
            using var wrap = size.ToScalar();
            flat = torch.where(flat < zero, flat.add(wrap, PinnedScalars.One), flat);
            var shape = data.shape[..(int)a].Concat(indices.shape).Concat(data.shape[((int)a + 1)..]).ToArray();
            return [data.index_select(a, flat).reshape(shape)];
        };
    }
}
