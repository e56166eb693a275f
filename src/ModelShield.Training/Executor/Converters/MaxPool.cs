using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// MaxPool over 1, 2 or 3 spatial dimensions with strides, dilations, pads, auto_pad and ceil_mode.
/// Pads that the TorchSharp pooling cannot take (unequal, or over half the kernel) are applied
/// explicitly with -infinity. The optional Indices output is not supported.
/// </summary>
internal sealed class MaxPool : OpConverter
{
    public override string OpType => "MaxPool";

    public override OpKernel Convert(NodeInfo node)
    {
        var spatial = Spatial.Read(node, kernelRequired: true);
        var ceil = node.Int("ceil_mode", 0) != 0;
        if (node.HasOutput(1))
        {
            throw node.Unsupported("the Indices output of MaxPool");
        }

        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            var dims = (int)x.dim() - 2;
            var kernel = spatial.Kernel!;
            var (strides, dilations, begin, end) = spatial.Resolve(x.shape[2..], kernel);
            var padding = begin;
            var fits = begin.SequenceEqual(end) && begin.Select((p, i) => p * 2 <= kernel[i]).All(ok => ok);
            if (!fits)
            {
                x = Spatial.PadExplicit(x, begin, end, double.NegativeInfinity);
                padding = new long[dims];
            }

            return dims switch
            {
                1 => [nn.functional.max_pool2d(x.unsqueeze(2), [1, kernel[0]], [1, strides[0]], [0, padding[0]], [1, dilations[0]], ceil).squeeze(2)],
                2 => [nn.functional.max_pool2d(x, kernel, strides, padding, dilations, ceil)],
                3 => [nn.functional.max_pool3d(x, kernel, strides, padding, dilations, ceil)],
                _ => throw node.Invalid($"input rank {x.dim()} is not 3, 4 or 5."),
            };
        };
    }
}
