using ModelShield.Onnx.Graphs;
using System.Globalization;
using ModelShield.Errors;

namespace ModelShield.Training.Attacks;

/// <summary>
/// Neuron rescaling: each hidden channel's output is multiplied by a random factor a &gt; 0 (on the layer's
/// weights and bias, or on the BatchNormalization scale and bias when one follows) and the next layer's
/// matching inputs are divided by a. ReLU, pooling and the like commute with a positive factor, so the
/// function stays the same. Joints through operators that do not (Sigmoid, Tanh) are left alone.
/// </summary>
internal sealed class RescaleAttack : IAttack
{
    public string Id => "rescale";

    public string Description => "Multiply each hidden neuron by a random positive factor and divide its outgoing weights (function unchanged)";

    public IReadOnlyList<AttackParameter> Parameters { get; } =
    [
        new("max", "4", "factors are drawn log-uniformly from 1/max to max"),
    ];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var max = arguments.Number("max", 1, 1e6);
        var chain = LayerChain.Analyze(context.Model);
        var random = ModelWeights.Random(context, Id);
        var model = context.Model;
        var rescaled = 0;
        foreach (var link in chain.Links.Where(l => l.Rescalable))
        {
            var factors = Enumerable.Range(0, (int)link.From.OutChannels).Select(_ => (float)Math.Exp((random.NextDouble() * 2 - 1) * Math.Log(max))).ToArray();
            if (link.Norms.Count > 0)
            {
                // BatchNorm normalises whatever the layer before it outputs, so the factor goes after it.
                var norm = link.Norms[^1];
                foreach (var p in new[] { 0, 1 })
                {
                    var tensor = WeightTensor.Read(model, norm[p]);
                    tensor.Scale(0, factors, 1);
                    tensor.Write(model);
                }
            }
            else
            {
                var weight = WeightTensor.Read(model, link.From.Weight);
                weight.Scale(link.From.OutAxis, factors, 1);
                weight.Write(model);
                if (link.From.Bias is not null)
                {
                    var bias = WeightTensor.Read(model, link.From.Bias);
                    bias.Scale(0, factors, 1);
                    bias.Write(model);
                }
            }

            var next = WeightTensor.Read(model, link.To.Weight);
            next.Scale(link.To.InAxis, factors.Select(f => 1f / f).ToArray(), link.Spread);
            next.Write(model);
            rescaled++;
        }

        return rescaled > 0
            ? new Dictionary<string, string> { ["layersRescaled"] = rescaled.ToString(CultureInfo.InvariantCulture) }
            : throw new ModelShieldException(ErrorCodes.InvalidAttackArguments, "Attack 'rescale': the model has no hidden layer followed only by positively homogeneous operators.");
    }
}
