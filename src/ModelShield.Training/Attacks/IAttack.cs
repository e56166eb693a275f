namespace ModelShield.Training.Attacks;

/// <summary>
/// Something a thief does to a stolen model. One implementation per attack, registered in
/// <see cref="AttackRegistry"/> by <see cref="Id"/>. An attack changes <see cref="AttackContext.Model"/>
/// (or replaces it, for distillation) and says what it did.
/// </summary>
internal interface IAttack
{
    /// <summary>The stable id used in <c>--attack NAME[:ARGS]</c>.</summary>
    string Id { get; }

    string Description { get; }

    /// <summary>The arguments, the first of which may be given positionally (<c>prune:0.5</c>).</summary>
    IReadOnlyList<AttackParameter> Parameters { get; }

    /// <summary>Applies the attack and returns facts about what it did (e.g. the pruned fraction).</summary>
    IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments);
}

/// <summary>An argument of an attack, with its default written as on the command line.</summary>
internal sealed record AttackParameter(string Name, string Default, string Help);
