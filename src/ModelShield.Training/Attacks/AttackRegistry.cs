using System.Text.RegularExpressions;
using ModelShield.Errors;

namespace ModelShield.Training.Attacks;

/// <summary>The attacks by id, and the parsing of chains such as <c>finetune:epochs=2+prune:0.5</c>.</summary>
internal static partial class AttackRegistry
{
    private static readonly IAttack[] Known =
    [
        new PruneAttack(), new NoiseAttack(), new Int8Attack(), new Fp16Attack(), new FinetuneAttack(), new RetrainLastAttack(),
        new PermuteAttack(), new RescaleAttack(), new DummyNeuronsAttack(), new DistillAttack(),
    ];

    public static IReadOnlyList<IAttack> All => Known;

    public static IAttack Get(string id) =>
        Known.FirstOrDefault(a => string.Equals(a.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new ModelShieldException(ErrorCodes.UnknownAttack, $"Unknown attack '{id}'. Known: {string.Join(", ", Known.Select(a => a.Id))}.");

    /// <summary>Parses <c>NAME[:ARGS](+NAME[:ARGS])*</c> into steps; every name and argument is checked before anything runs.</summary>
    public static IReadOnlyList<(IAttack Attack, AttackArguments Arguments)> ParseChain(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new ModelShieldException(ErrorCodes.UnknownAttack, $"No attack given. Known: {string.Join(", ", Known.Select(a => a.Id))}.");
        }

        // '+' joins steps; one inside a number (1e+3) does not, since a step name starts with a letter.
        return StepSeparator().Split(spec.Trim()).Select(step =>
        {
            var colon = step.IndexOf(':', StringComparison.Ordinal);
            var attack = Get(colon < 0 ? step : step[..colon]);
            return (attack, AttackArguments.Parse(attack, colon < 0 ? null : step[(colon + 1)..]));
        }).ToList();
    }

    [GeneratedRegex(@"\+(?=[A-Za-z])")]
    private static partial Regex StepSeparator();
}
