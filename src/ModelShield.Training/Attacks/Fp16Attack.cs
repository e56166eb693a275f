using ModelShield.Onnx.Graphs;

namespace ModelShield.Training.Attacks;

/// <summary>An fp16 round trip: every float initializer is converted to IEEE half precision (round to nearest even) and back.</summary>
internal sealed class Fp16Attack : IAttack
{
    public string Id => "fp16";

    public string Description => "fp16 round trip of every float initializer";

    public IReadOnlyList<AttackParameter> Parameters { get; } = [];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var changed = 0L;
        foreach (var proto in ModelWeights.FloatInitializers(context.Model))
        {
            var weight = WeightTensor.Read(context.Model, proto);
            for (var i = 0; i < weight.Values.Length; i++)
            {
                var back = (float)(Half)weight.Values[i];
                changed += back == weight.Values[i] ? 0 : 1;
                weight.Values[i] = back;
            }

            weight.Write(context.Model);
        }

        return new Dictionary<string, string> { ["valuesChanged"] = changed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }
}
