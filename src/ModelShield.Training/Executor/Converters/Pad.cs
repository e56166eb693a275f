using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Pad with mode constant, reflect, edge or wrap (opset 19). Pads are an attribute before opset 11 and
/// an input from 11 (with an optional constant_value input, and from opset 18 an optional axes input);
/// negative pads crop. Reflect, edge and wrap pad at most the last three dimensions of a tensor with two
/// leading dimensions left alone, as TorchSharp's padding does.
/// </summary>
internal sealed class Pad : OpConverter
{
    public override string OpType => "Pad";

    public override int MinOpset => 2;

    public override OpKernel Convert(NodeInfo node)
    {
        var mode = node.String("mode", "constant");
        var paddingMode = mode switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            "wrap" => PaddingModes.Circular,
            _ => throw node.Invalid($"mode '{mode}' is not constant, reflect, edge or wrap."),
        };
        var attributePads = node.Ints("pads");
        var attributeValue = node.Float("value", 0f);
        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            var rank = (int)x.dim();
            long[] pads;
            double value = attributeValue;
            if (node.Opset < 11)
            {
                pads = attributePads ?? throw node.Invalid("attribute pads is required.");
            }
            else
            {
                pads = TensorConversion.ToInt64s(Required(inputs, 1, node));
                value = inputs.Length > 2 && inputs[2] is { } v ? v.to_type(ScalarType.Float64).item<double>() : 0;
            }

            var axes = inputs.Length > 3 && inputs[3] is { } a
                ? TensorConversion.ToInt64s(a).Select(i => Axis(i, rank, node)).ToArray()
                : Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
            if (pads.Length != 2 * axes.Length)
            {
                throw node.Invalid($"pads has {pads.Length} values for {axes.Length} axes.");
            }

            var begin = new long[rank];
            var end = new long[rank];
            for (var i = 0; i < axes.Length; i++)
            {
                begin[axes[i]] = pads[i];
                end[axes[i]] = pads[i + axes.Length];
            }

            // TorchSharp lists pads from the last dimension backwards and may stop at the last padded one.
            var last = Enumerable.Range(0, rank).FirstOrDefault(d => begin[d] != 0 || end[d] != 0, rank);
            if (last == rank)
            {
                return [x.alias()];
            }

            // Non-constant modes pad the last 1-3 dimensions of a tensor with one or two leading dimensions.
            if (paddingMode != PaddingModes.Constant && (rank - last > 3 || last is < 1 or > 2))
            {
                throw node.Unsupported($"mode '{mode}' padding dimension {last} of a rank-{rank} tensor");
            }

            var torchPads = new List<long>();
            for (var d = rank - 1; d >= last; d--)
            {
                torchPads.Add(begin[d]);
                torchPads.Add(end[d]);
            }

            return [nn.functional.pad(x, torchPads.ToArray(), paddingMode, value)];
        };
    }
}
