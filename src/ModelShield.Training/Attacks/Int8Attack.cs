using ModelShield.Onnx.Graphs;
using System.Globalization;

namespace ModelShield.Training.Attacks;

/// <summary>
/// An int8 round trip as post-training quantisation does it: each layer weight is quantised symmetrically
/// per tensor (scale = max|w| / 127, q = round(w / scale) in [-127, 127]) and dequantised back to float.
/// Biases and normalisation parameters stay float, as quantisers keep them (int32 or float).
/// </summary>
internal sealed class Int8Attack : IAttack
{
    public string Id => "int8";

    public string Description => "int8 round trip: symmetric per-tensor quantisation of each layer's weights, back to float";

    public IReadOnlyList<AttackParameter> Parameters { get; } = [];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        double worst = 0;
        foreach (var proto in ModelWeights.LayerWeights(context.Model))
        {
            var weight = WeightTensor.Read(context.Model, proto);
            var max = weight.Values.Max(MathF.Abs);
            if (max == 0)
            {
                continue;
            }

            var scale = max / 127f;
            for (var i = 0; i < weight.Values.Length; i++)
            {
                var q = Math.Clamp(MathF.Round(weight.Values[i] / scale), -127f, 127f);
                var back = q * scale;
                worst = Math.Max(worst, Math.Abs(back - weight.Values[i]) / scale);
                weight.Values[i] = back;
            }

            weight.Write(context.Model);
        }

        return new Dictionary<string, string> { ["maxErrorInSteps"] = worst.ToString("0.000", CultureInfo.InvariantCulture) };
    }
}
