using TorchSharp;

namespace ModelShield.Training.Executor.Converters;

/// <summary>Concat: joins the inputs along axis (required; negative from opset 11).</summary>
internal sealed class Concat : OpConverter
{
    public override string OpType => "Concat";

    public override int MinOpset => 4;

    public override OpKernel Convert(NodeInfo node)
    {
        if (!node.Has("axis"))
        {
            throw node.Invalid("attribute axis is required.");
        }

        var axis = node.Int("axis", 0);
        return (inputs, _) =>
        {
            var parts = inputs.Select((t, i) => t ?? throw node.Invalid($"input {i} is required.")).ToArray();
            return [torch.cat(parts, Axis(axis, parts[0].dim(), node))];
        };
    }
}
