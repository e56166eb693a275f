using System.Diagnostics;
using System.Globalization;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Data;
using ModelShield.Training.Fingerprints;

namespace ModelShield.Training;

/// <summary>
/// Fingerprint queries chosen for an owner model.
/// </summary>
/// <param name="RowShape">The owner's input shape without the batch dimension.</param>
/// <param name="Inputs">The rows, one after another, in the owner's input scale ([0, 1] pixels).</param>
/// <param name="Kinds">How each row was made: "misclassified", "mix", "boundary" or "natural" (the fingerprint's query kinds).</param>
public sealed record LabQueries(IReadOnlyList<int> RowShape, float[] Inputs, IReadOnlyList<string> Kinds);

/// <summary>Independent reference models trained to calibrate a fingerprint, and how long that took.</summary>
/// <param name="Models">Each model's file and the recipe it was trained with.</param>
/// <param name="Seconds">Wall time of the training.</param>
public sealed record LabReferenceModels(IReadOnlyList<(string Path, string Recipe)> Models, double Seconds);

/// <summary>The lab's part of query fingerprints: what needs the owner's data or gradients through the executor.</summary>
public static class LabFingerprintQueries
{
    /// <summary>
    /// Reference models trained when the owner gives no null models. Twenty-four: the tests allow for the 90 % upper bound
    /// of the null models' spread, which tightens with more models (about 1.97 times the estimate with twelve, 1.55 with
    /// 24); on the full zoo 124 of 171 counted copy comparisons were detected with 24 against 112 with twelve
    /// (docs/fingerprints.md). Twelve rather than six before that: with six, the spread varied far more between records.
    /// </summary>
    public const int DefaultReferenceModels = 24;

    /// <summary>
    /// Seeds of the reference models start here, far from the seeds the zoo's negatives use, so that a benchmark's
    /// negatives are never the models a fingerprint was calibrated on.
    /// </summary>
    public const int ReferenceSeedBase = 9001;

    // Architectures cycle so that the null models are not all one kind of model.
    private static readonly string[] ReferenceArchitectures = ["mlp", "cnn", "mlp", "cnn-bn", "mlp", "cnn"];

    /// <summary>
    /// Chooses <paramref name="count"/> queries for the owner model from the owner's split of the data folder: about
    /// 20 % images it misclassifies, 35 % images pushed just across its decision boundary with its gradients and 15 %
    /// CutMix-style mixes, each kept from three candidates by how well fine-tuned copies of the owner keep its answer
    /// while independent models miss it, and 30 % plain samples; shuffled, so that any prefix holds every kind.
    /// </summary>
    public static LabQueries Choose(string ownerModel, string? dataFolder, int count, int seed, CancellationToken cancellation = default)
    {
        if (count is < 10 or > 10_000)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"--queries must lie between 10 and 10000, not {count}.");
        }

        var model = OnnxModel.Load(ownerModel);
        var splits = LabSplits.Load(dataFolder);
        return QuerySelection.Select(model, splits, count, seed, cancellation);
    }

    /// <summary>
    /// Trains <paramref name="count"/> independent reference models (other seeds, several architectures, 2 epochs
    /// each) on the owner's split into <paramref name="folder"/>, to serve as null models.
    /// </summary>
    public static LabReferenceModels TrainReferenceModels(string? dataFolder, string folder, int count, IProgress<string>? log, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        var models = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var architecture = ReferenceArchitectures[i % ReferenceArchitectures.Length];
            var seed = ReferenceSeedBase + i;
            var recipe = string.Create(CultureInfo.InvariantCulture, $"train arch={architecture} seed={seed} epochs=2 split=owner");
            log?.Report($"reference model {i + 1}/{count}: {recipe}");
            var result = LabTraining.Train(new LabTrainRequest
            {
                Architecture = architecture,
                DataFolder = dataFolder,
                Output = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"reference-{architecture}-s{seed}.onnx")),
                Epochs = 2,
                Seed = seed,
                Overwrite = true,
                Cancellation = cancellation,
            });
            models.Add((result.Output, recipe));
        }

        return new LabReferenceModels(models, clock.Elapsed.TotalSeconds);
    }
}
