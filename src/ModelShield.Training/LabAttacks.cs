using ModelShield.Onnx.Files;
using ModelShield.Training.Attacks;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;

namespace ModelShield.Training;

/// <summary>What <see cref="LabAttacks.Run"/> does: an attack (or a chain joined by '+') on a model file.</summary>
public sealed record LabAttackRequest
{
    /// <summary>The model to attack (never modified).</summary>
    public required string Model { get; init; }

    /// <summary><c>NAME[:ARGS]</c>, or a chain such as <c>finetune:epochs=2+prune:0.5</c>.</summary>
    public required string Attack { get; init; }

    /// <summary>Where to write the attacked copy.</summary>
    public required string Output { get; init; }

    /// <summary>The data folder (attacker's split for training attacks, test split for accuracy); null as in <see cref="LabTrainRequest.DataFolder"/>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Seeds every random choice of the attacks.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Replace an existing output.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }
}

/// <summary>One step of an attack chain: the attack, its arguments with defaults filled in, what it reports, and the copy's test accuracy after it.</summary>
public sealed record LabAttackStep(string Attack, string Arguments, IReadOnlyDictionary<string, string> Facts, double TestAccuracy);

/// <summary>The attacked copy, its accuracy against the original's, and each step.</summary>
public sealed record LabAttackResult(
    string Input,
    string Output,
    string Chain,
    int TestImages,
    double OriginalAccuracy,
    double TestAccuracy,
    double AccuracyChange,
    bool WithinFivePoints,
    IReadOnlyList<LabAttackStep> Steps);

/// <summary>Attacks on models (the things a thief does), each reporting the copy's test accuracy.</summary>
public static class LabAttacks
{
    /// <summary>The attack ids with their arguments, as <c>name[:arg=default,...]</c>.</summary>
    public static IReadOnlyList<string> Usage =>
        AttackRegistry.All.Select(a => a.Parameters.Count == 0 ? a.Id : $"{a.Id}:{string.Join(",", a.Parameters.Select(p => $"{p.Name}={p.Default}"))}").ToList();

    /// <summary>Loads the model, applies the chain, measures test accuracy before and after each step, writes the copy atomically.</summary>
    public static LabAttackResult Run(LabAttackRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var chain = AttackRegistry.ParseChain(request.Attack);
        OutputCheck.BeforeWork(request.Output, request.Overwrite, request.Model);
        var model = OnnxModel.Load(request.Model);
        var splits = new Lazy<LabSplits>(() => LabSplits.Load(request.DataFolder));
        var original = Accuracy(model, splits.Value.Test);
        var (attacked, steps) = Apply(model, chain, () => splits.Value, request.Seed, request.Log);
        attacked.Save(request.Output, request.Overwrite);
        var accuracy = steps.Count > 0 ? steps[^1].TestAccuracy : original;
        return new LabAttackResult(
            Path.GetFullPath(request.Model),
            Path.GetFullPath(request.Output),
            ChainText(chain),
            splits.Value.Test.Count,
            original,
            accuracy,
            accuracy - original,
            Math.Abs(accuracy - original) <= 0.05,
            steps);
    }

    /// <summary>Applies parsed steps to a model in memory; returns the attacked model and the steps' reports.</summary>
    internal static (OnnxModel Model, List<LabAttackStep> Steps) Apply(
        OnnxModel model,
        IReadOnlyList<(IAttack Attack, AttackArguments Arguments)> chain,
        Func<LabSplits> data,
        int seed,
        IProgress<string>? log)
    {
        var context = new AttackContext(model, data, seed, log);
        var steps = new List<LabAttackStep>();
        foreach (var (attack, arguments) in chain)
        {
            log?.Report(arguments.Canonical.Length == 0 ? $"attack {attack.Id}" : $"attack {attack.Id}:{arguments.Canonical}");
            var facts = attack.Apply(context, arguments);
            steps.Add(new LabAttackStep(attack.Id, arguments.Canonical, facts, Accuracy(context.Model, context.Data.Test)));
        }

        return (context.Model, steps);
    }

    /// <summary>A chain with every argument spelled out (the zoo's lineage and cache key).</summary>
    internal static string ChainText(IReadOnlyList<(IAttack Attack, AttackArguments Arguments)> chain) =>
        string.Join("+", chain.Select(s => s.Arguments.Canonical.Length == 0 ? s.Attack.Id : $"{s.Attack.Id}:{s.Arguments.Canonical}"));

    internal static double Accuracy(OnnxModel model, ImageSet test)
    {
        using var module = OnnxModule.Create(model);
        return Trainer.Accuracy(module, test);
    }
}
