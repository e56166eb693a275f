using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Dropout: identity in evaluation; in training, zeroes each element with probability ratio and scales
/// the rest by 1 / (1 - ratio). The ratio is an attribute before opset 12 and an optional input from 12
/// (default 0.5); a training_mode input (opset 12) forces training when true. The optional mask output
/// tells which elements were kept. Opset 7 on (earlier opsets had an is_test attribute).
/// </summary>
internal sealed class Dropout : OpConverter
{
    public override string OpType => "Dropout";

    public override int MinOpset => 7;

    public override OpKernel Convert(NodeInfo node)
    {
        var attributeRatio = node.Float("ratio", 0.5f);
        var wantsMask = node.HasOutput(1);
        return (inputs, training) =>
        {
            var x = Required(inputs, 0, node);
            var ratio = node.Opset >= 12 && inputs.Length > 1 && inputs[1] is { } r ? r.to_type(ScalarType.Float64).item<double>() : attributeRatio;
            var active = training || (node.Opset >= 12 && inputs.Length > 2 && inputs[2] is { } mode && mode.item<bool>());
            if (!active || ratio == 0)
            {
                return wantsMask ? [x.alias(), torch.ones_like(x, dtype: ScalarType.Bool)] : [x.alias()];
            }

            if (!wantsMask)
            {
                return [nn.functional.dropout(x, ratio, training: true)];
            }

            using var dropped = ratio.ToScalar();
            using var survivors = (1 - ratio).ToScalar();
            var keep = torch.rand_like(x, dtype: x.dtype) >= dropped;
            return [x * keep / survivors, keep];
        };
    }
}
