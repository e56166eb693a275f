using ModelShield.Onnx.Graphs;
using System.Globalization;
using ModelShield.Errors;

namespace ModelShield.Training.Attacks;

/// <summary>
/// Neuron permutation: the output channels of every hidden layer are shuffled, together with the
/// BatchNormalization parameters that follow them and the matching inputs of the next layer. The
/// network computes the same function; the weights no longer line up with the original's.
/// </summary>
internal sealed class PermuteAttack : IAttack
{
    public string Id => "permute";

    public string Description => "Shuffle the neurons of every hidden layer (function unchanged)";

    public IReadOnlyList<AttackParameter> Parameters { get; } = [];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var chain = LayerChain.Analyze(context.Model);
        var random = ModelWeights.Random(context, Id);
        var permuted = 0;
        foreach (var link in chain.Links.Where(l => l.Permutable))
        {
            var order = Enumerable.Range(0, (int)link.From.OutChannels).ToArray();
            random.Shuffle(order);
            Reorder(context, link, order, () => 0f);
            permuted++;
        }

        return permuted > 0
            ? new Dictionary<string, string> { ["layersPermuted"] = permuted.ToString(CultureInfo.InvariantCulture) }
            : throw new ModelShieldException(ErrorCodes.InvalidAttackArguments, "Attack 'permute': the model has no hidden layer whose neurons can be permuted.");
    }

    /// <summary>
    /// Rebuilds a joint's channels from <paramref name="source"/> (new channel i is old channel source[i],
    /// or a new one when -1): the producer's weights and bias, the normalisation parameters, and the
    /// consumer's inputs. New producer weights come from <paramref name="fill"/>, everything else new is neutral.
    /// </summary>
    internal static void Reorder(AttackContext context, Link link, int[] source, Func<float> fill)
    {
        var model = context.Model;
        var weight = WeightTensor.Read(model, link.From.Weight);
        weight.Select(link.From.OutAxis, source, 1, fill);
        weight.Write(model);
        if (link.From.Bias is not null)
        {
            var bias = WeightTensor.Read(model, link.From.Bias);
            bias.Select(0, source, 1, () => 0f);
            bias.Write(model);
        }

        foreach (var norm in link.Norms)
        {
            // scale, bias, mean, variance: a new channel passes through unchanged (scale 1, bias 0, mean 0, variance 1).
            float[] neutral = [1f, 0f, 0f, 1f];
            for (var p = 0; p < 4; p++)
            {
                var tensor = WeightTensor.Read(model, norm[p]);
                var value = neutral[p];
                tensor.Select(0, source, 1, () => value);
                tensor.Write(model);
            }
        }

        var next = WeightTensor.Read(model, link.To.Weight);
        next.Select(link.To.InAxis, source, link.Spread, () => 0f);
        next.Write(model);
    }
}
