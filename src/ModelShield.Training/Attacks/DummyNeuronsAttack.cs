using ModelShield.Onnx.Graphs;
using System.Globalization;
using ModelShield.Errors;

namespace ModelShield.Training.Attacks;

/// <summary>
/// Dummy neurons: every hidden layer gets extra output channels with random incoming weights (drawn
/// with the layer's own spread, so they look like the others) whose outgoing weights are 0. The network
/// computes the same function with more parameters. Stale shape annotations (value_info) are dropped.
/// </summary>
internal sealed class DummyNeuronsAttack : IAttack
{
    public string Id => "dummy-neurons";

    public string Description => "Add COUNT neurons with zero outgoing weights to every hidden layer (function unchanged)";

    public IReadOnlyList<AttackParameter> Parameters { get; } = [new("count", "8", "extra neurons (channels) per hidden layer")];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var count = arguments.Integer("count", 1, 100_000);
        var chain = LayerChain.Analyze(context.Model);
        var random = ModelWeights.Random(context, Id);
        var layers = 0;
        foreach (var link in chain.Links.Where(l => l.Permutable))
        {
            var existing = WeightTensor.Read(context.Model, link.From.Weight).Values;
            var mean = existing.Average(v => (double)v);
            var std = Math.Sqrt(existing.Average(v => (v - mean) * (v - mean)));
            var source = Enumerable.Range(0, (int)link.From.OutChannels).Concat(Enumerable.Repeat(-1, count)).ToArray();
            PermuteAttack.Reorder(context, link, source, () => (float)(std * ModelWeights.Gaussian(random)));
            layers++;
        }

        if (layers == 0)
        {
            throw new ModelShieldException(ErrorCodes.InvalidAttackArguments, "Attack 'dummy-neurons': the model has no hidden layer to widen.");
        }

        context.Model.Graph.ValueInfo.Clear();
        return new Dictionary<string, string> { ["neuronsAdded"] = (count * layers).ToString(CultureInfo.InvariantCulture) };
    }
}
