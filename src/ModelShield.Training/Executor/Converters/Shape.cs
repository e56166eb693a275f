using TorchSharp;

namespace ModelShield.Training.Executor.Converters;

/// <summary>Shape: the input's dimensions as a 1-D int64 tensor, optionally sliced by start / end (opset 15; negative from the end, clamped).</summary>
internal sealed class Shape : OpConverter
{
    public override string OpType => "Shape";

    public override OpKernel Convert(NodeInfo node)
    {
        var start = node.Int("start", 0);
        var end = node.Has("end") ? node.Int("end", 0) : (long?)null;
        return Unary(node, x =>
        {
            var rank = x.dim();
            var s = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
            var e = Math.Clamp(end is { } v ? (v < 0 ? v + rank : v) : rank, 0, rank);
            return torch.tensor(x.shape[(int)s..(int)Math.Max(s, e)]);
        });
    }
}
