using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Broadcasting for the binary arithmetic operators. From opset 7 it is numpy's multidirectional
/// broadcasting. Before opset 7, B broadcasts to A only when the broadcast attribute is set, aligned
/// at axis when given (B's dimensions match A's from that axis) and at A's trailing dimensions otherwise.
/// </summary>
internal static class Elementwise
{
    public static OpKernel Binary(NodeInfo node, Func<Tensor, Tensor, Tensor> f)
    {
        var legacy = node.Opset < 7;
        var broadcast = node.Int("broadcast", 0) != 0;
        var axis = node.Has("axis") ? node.Int("axis", 0) : (long?)null;
        return (inputs, _) =>
        {
            var a = inputs[0] ?? throw node.Invalid("input 0 is required.");
            var b = inputs.Length > 1 && inputs[1] is { } second ? second : throw node.Invalid("input 1 is required.");
            if (legacy)
            {
                if (!broadcast && !a.shape.SequenceEqual(b.shape))
                {
                    throw node.Invalid($"shapes [{string.Join(",", a.shape)}] and [{string.Join(",", b.shape)}] differ and broadcast is not set.");
                }

                if (broadcast && axis is { } start)
                {
                    var first = start < 0 ? start + a.dim() : start;
                    var trailing = a.dim() - first - b.dim();
                    if (trailing > 0)
                    {
                        b = b.reshape([.. b.shape, .. Enumerable.Repeat(1L, (int)trailing)]);
                    }
                }
            }

            return [f(a, b)];
        };
    }
}
