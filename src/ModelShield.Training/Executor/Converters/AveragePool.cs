using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// AveragePool over 1, 2 or 3 spatial dimensions with strides, pads, auto_pad, ceil_mode and
/// count_include_pad. Without pads it is one pooling call. With pads, the sum over each window is
/// divided by the number of counted cells, both pooled over explicitly padded tensors: the padded
/// input, and a mask that is 1 on the input (and on the pads when count_include_pad is set).
/// Dilations other than 1 (opset 19) are not supported.
/// </summary>
internal sealed class AveragePool : OpConverter
{
    public override string OpType => "AveragePool";

    public override OpKernel Convert(NodeInfo node)
    {
        var spatial = Spatial.Read(node, kernelRequired: true);
        var ceil = node.Int("ceil_mode", 0) != 0;
        var includePad = node.Int("count_include_pad", 0) != 0;
        if (spatial.Dilations is { } d && d.Any(v => v != 1))
        {
            throw node.Unsupported("AveragePool with dilations");
        }

        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            var kernel = spatial.Kernel!;
            var (strides, _, begin, end) = spatial.Resolve(x.shape[2..], kernel);
            if (Spatial.AllZero(begin) && Spatial.AllZero(end))
            {
                return [Pool(x, kernel, strides, ceil, node)];
            }

            var padded = Spatial.PadExplicit(x, begin, end, 0);
            using var ones = torch.ones_like(x);
            var mask = includePad ? torch.ones_like(padded) : Spatial.PadExplicit(ones, begin, end, 0);
            return [Pool(padded, kernel, strides, ceil, node) / Pool(mask, kernel, strides, ceil, node)];
        };
    }

    private static Tensor Pool(Tensor x, long[] kernel, long[] strides, bool ceil, NodeInfo node) => x.dim() switch
    {
        3 => nn.functional.avg_pool2d(x.unsqueeze(2), [1, kernel[0]], [1, strides[0]], [0, 0], ceil, count_include_pad: false).squeeze(2),
        4 => nn.functional.avg_pool2d(x, kernel, strides, [0, 0], ceil, count_include_pad: false),
        5 => nn.functional.avg_pool3d(x, kernel, strides, [0, 0, 0], ceil, count_include_pad: false),
        _ => throw node.Invalid($"input rank {x.dim()} is not 3, 4 or 5."),
    };
}
