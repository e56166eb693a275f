using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Conv over 1, 2 or 3 spatial dimensions with groups, strides, dilations, pads and auto_pad.
/// 1-D convolutions run as 2-D ones over a unit height; unequal begin / end pads are applied
/// explicitly before a convolution without padding.
/// </summary>
internal sealed class Conv : OpConverter
{
    public override string OpType => "Conv";

    public override OpKernel Convert(NodeInfo node)
    {
        var spatial = Spatial.Read(node, kernelRequired: false);
        var groups = node.Int("group", 1);
        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            var w = Required(inputs, 1, node);
            var b = inputs.Length > 2 ? inputs[2] : null;
            var dims = (int)x.dim() - 2;
            if (dims is < 1 or > 3 || w.dim() != x.dim())
            {
                throw node.Invalid($"input rank {x.dim()} and weight rank {w.dim()} do not form a 1-D, 2-D or 3-D convolution.");
            }

            var kernel = spatial.Kernel ?? w.shape[2..];
            var (strides, dilations, begin, end) = spatial.Resolve(x.shape[2..], kernel);
            long[] padding;
            if (begin.SequenceEqual(end))
            {
                padding = begin;
            }
            else
            {
                x = Spatial.PadExplicit(x, begin, end, 0);
                padding = new long[dims];
            }

            if (dims == 1)
            {
                var y = nn.functional.conv2d(x.unsqueeze(2), w.unsqueeze(2), b, [1, strides[0]], [0, padding[0]], [1, dilations[0]], groups);
                return [y.squeeze(2)];
            }

            return dims == 2
                ? [nn.functional.conv2d(x, w, b, strides, padding, dilations, groups)]
                : [nn.functional.conv3d(x, w, b, strides, padding, dilations, groups)];
        };
    }
}
