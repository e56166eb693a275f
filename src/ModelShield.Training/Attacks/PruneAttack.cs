using ModelShield.Onnx.Graphs;
using System.Globalization;

namespace ModelShield.Training.Attacks;

/// <summary>Magnitude pruning: in every layer weight, the given fraction of entries with the smallest |w| become 0 (biases stay).</summary>
internal sealed class PruneAttack : IAttack
{
    public string Id => "prune";

    public string Description => "Magnitude pruning: zero the smallest-|w| FRACTION of each layer's weights";

    public IReadOnlyList<AttackParameter> Parameters { get; } = [new("fraction", "0.5", "share of each layer's weights set to 0, 0 to 1")];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var fraction = arguments.Number("fraction", 0, 1);
        long zeros = 0, total = 0;
        foreach (var proto in ModelWeights.LayerWeights(context.Model))
        {
            var weight = WeightTensor.Read(context.Model, proto);
            var order = Enumerable.Range(0, weight.Values.Length).ToArray();
            var magnitudes = weight.Values.Select(MathF.Abs).ToArray();
            Array.Sort(magnitudes, order);
            var count = (int)Math.Floor(fraction * weight.Values.Length);
            for (var i = 0; i < count; i++)
            {
                weight.Values[order[i]] = 0f;
            }

            weight.Write(context.Model);
            zeros += weight.Values.Count(v => v == 0f);
            total += weight.Values.Length;
        }

        return new Dictionary<string, string> { ["zeroFraction"] = ((double)zeros / Math.Max(1, total)).ToString("0.0000", CultureInfo.InvariantCulture) };
    }
}
