using ModelShield.Onnx.Graphs;
using System.Globalization;

namespace ModelShield.Training.Attacks;

/// <summary>Gaussian noise: every layer weight w gets sigma * std(layer) * N(0, 1) added, so sigma is relative to each layer's spread.</summary>
internal sealed class NoiseAttack : IAttack
{
    public string Id => "noise";

    public string Description => "Gaussian noise: add SIGMA x (std of the layer) x N(0,1) to each layer weight";

    public IReadOnlyList<AttackParameter> Parameters { get; } =
    [
        new("sigma", "0.1", "noise standard deviation relative to each layer's weight standard deviation"),
    ];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var sigma = arguments.Number("sigma", 0, 100);
        var random = ModelWeights.Random(context, Id);
        foreach (var proto in ModelWeights.LayerWeights(context.Model))
        {
            var weight = WeightTensor.Read(context.Model, proto);
            var mean = weight.Values.Average(v => (double)v);
            var std = Math.Sqrt(weight.Values.Average(v => (v - mean) * (v - mean)));
            for (var i = 0; i < weight.Values.Length; i++)
            {
                weight.Values[i] += (float)(sigma * std * ModelWeights.Gaussian(random));
            }

            weight.Write(context.Model);
        }

        return new Dictionary<string, string> { ["sigma"] = sigma.ToString(CultureInfo.InvariantCulture) };
    }
}
