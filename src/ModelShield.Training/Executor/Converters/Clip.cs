namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Clip: limits values to [min, max] (ReLU6 in MobileNet-style graphs). Bounds are attributes in opsets
/// 6-10 and optional inputs from 11; a missing bound does not limit.
/// </summary>
internal sealed class Clip : OpConverter
{
    public override string OpType => "Clip";

    public override int MinOpset => 6;

    public override OpKernel Convert(NodeInfo node)
    {
        var attributeMin = node.Has("min") ? node.Float("min", 0f) : (float?)null;
        var attributeMax = node.Has("max") ? node.Float("max", 0f) : (float?)null;
        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            if (node.Opset >= 11)
            {
                // Bounds as tensors of the input's own type, so that integer inputs stay integers.
                var lo = inputs.Length > 1 ? inputs[1] : null;
                var hi = inputs.Length > 2 ? inputs[2] : null;
                return [lo is null && hi is null ? x.alias() : x.clamp(lo, hi)];
            }

            return [attributeMin is null && attributeMax is null ? x.alias() : x.clamp(attributeMin, attributeMax)];
        };
    }
}
