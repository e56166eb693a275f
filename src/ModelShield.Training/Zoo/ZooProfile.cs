using System.Globalization;
using ModelShield.Errors;

namespace ModelShield.Training.Zoo;

/// <summary>How to train one model of the zoo: architecture, seed, epochs, which split, and at most how many of its images (0 = all).</summary>
internal sealed record TrainRecipe(string Architecture, int Seed, int Epochs, string Split, int Limit)
{
    /// <summary>The recipe as one line; it is the cache key, so it spells out everything that shapes the model.</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture, $"train arch={Architecture} seed={Seed} epochs={Epochs} split={Split} limit={Limit}");

    public string Slug => string.Create(CultureInfo.InvariantCulture, $"{Architecture}-s{Seed}-{Split}-e{Epochs}{(Limit > 0 ? $"-n{Limit}" : "")}");
}

/// <summary>
/// What a zoo holds: owner models (trained here unless given), at least 30 independently trained negatives
/// (other seeds, architectures and splits), and the attacks applied to every owner.
/// quick: small and fast, for tests on the shipped sample; full: for benchmarks on the full set; full-mlp: the full
/// profile's MLP owner and attacks against MLP negatives only, built in minutes instead of hours, so that experiments on
/// the hardest negatives of an MLP owner (its own architecture) can run in one sitting.
/// </summary>
internal sealed record ZooProfile(string Name, IReadOnlyList<TrainRecipe> Owners, IReadOnlyList<TrainRecipe> Negatives, IReadOnlyList<string> Attacks)
{
    public static ZooProfile Get(string name) => name.ToLowerInvariant() switch
    {
        "quick" => Quick,
        "full" => Full,
        "full-mlp" => FullMlp,
        _ => throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"Unknown zoo profile '{name}'. Known: quick, full, full-mlp."),
    };

    public static ZooProfile Quick { get; } = new(
        "quick",
        [new TrainRecipe("mlp", 1, 3, "owner", 0)],
        [
            .. Enumerable.Range(0, 24).Select(i => new TrainRecipe("mlp", 100 + i, 1, i % 2 == 0 ? "owner" : "attacker", 0)),
            .. Enumerable.Range(0, 3).Select(i => new TrainRecipe("cnn", 200 + i, 1, "attacker", 512)),
            .. Enumerable.Range(0, 3).Select(i => new TrainRecipe("cnn-bn", 300 + i, 1, "owner", 512)),
        ],
        [
            "prune:0.3", "prune:0.6", "prune:0.9", "noise:0.05", "noise:0.2", "int8", "fp16",
            "finetune:epochs=1,lr=0.0005", "finetune:epochs=1,lr=0.001,layers=last", "retrain-last:epochs=2,lr=0.005",
            "permute", "rescale", "dummy-neurons:count=8",
            "distill:labels=soft,epochs=2", "distill:labels=hard,epochs=2", "distill:labels=soft,arch=cnn,epochs=1,queries=512",
            "finetune:epochs=1+prune:0.5", "permute+rescale+dummy-neurons:count=4", "int8+noise:0.05",
        ]);

    public static ZooProfile Full { get; } = new(
        "full",
        [new TrainRecipe("mlp", 1, 10, "owner", 0), new TrainRecipe("cnn", 1, 8, "owner", 0), new TrainRecipe("cnn-bn", 1, 6, "owner", 0)],
        [
            .. Enumerable.Range(0, 24).Select(i => new TrainRecipe("mlp", 100 + i, 3, i % 2 == 0 ? "owner" : "attacker", 0)),
            .. Enumerable.Range(0, 4).Select(i => new TrainRecipe("cnn", 200 + i, 2, i % 2 == 0 ? "attacker" : "owner", 0)),
            .. Enumerable.Range(0, 4).Select(i => new TrainRecipe("cnn-bn", 300 + i, 2, i % 2 == 0 ? "owner" : "attacker", 0)),
        ],
        [
            "prune:0.3", "prune:0.5", "prune:0.7", "prune:0.9", "noise:0.05", "noise:0.1", "noise:0.2", "int8", "fp16",
            "finetune:epochs=2", "finetune:epochs=2,lr=0.001,layers=last", "retrain-last:epochs=3",
            "permute", "rescale", "dummy-neurons:count=16",
            "distill:labels=soft,epochs=5", "distill:labels=hard,epochs=5", "distill:labels=soft,epochs=5,queries=5000", "distill:labels=soft,arch=mlp,epochs=5",
            "finetune:epochs=2+prune:0.5", "permute+rescale+dummy-neurons:count=8", "int8+noise:0.05", "distill:labels=hard,epochs=5+prune:0.3",
        ]);

    // Its owner, attacks and first 24 negatives are the full profile's recipes, so its figures for the MLP owner compare
    // with the full profile's; 8 more MLPs bring the negatives to 32.
    public static ZooProfile FullMlp { get; } = new(
        "full-mlp",
        [Full.Owners[0]],
        [
            .. Full.Negatives.Where(n => n.Architecture == "mlp"),
            .. Enumerable.Range(24, 8).Select(i => new TrainRecipe("mlp", 100 + i, 3, i % 2 == 0 ? "owner" : "attacker", 0)),
        ],
        Full.Attacks);
}
