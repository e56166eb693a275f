using ModelShield.Training.Zoo;

namespace ModelShield.Training;

/// <summary>What <see cref="LabZoo.Build"/> builds.</summary>
public sealed record LabZooRequest
{
    /// <summary>The zoo folder (created; an earlier build there is resumed).</summary>
    public required string Output { get; init; }

    /// <summary>quick (the shipped sample, for tests) or full (the full set, for benchmarks).</summary>
    public string Profile { get; init; } = "quick";

    /// <summary>The data folder; null as in <see cref="LabTrainRequest.DataFolder"/>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Owner models to attack instead of training the profile's (e.g. watermarked models).</summary>
    public IReadOnlyList<string> Owners { get; init; } = [];

    /// <summary>A folder of independently trained models (*.onnx) to reuse as negatives; the profile trains the rest.</summary>
    public string? Negatives { get; init; }

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }
}

/// <summary>The zoo built: where its manifest is, how many models of each role, how many were built now or reused, and how long it took.</summary>
public sealed record LabZooResult(string Manifest, string Profile, int Owners, int Negatives, int Positives, int PositivesThatCount, int Built, int Reused, double Seconds);

/// <summary>Builds the model zoo: owners, independently trained negatives, and positives from every attack on every owner.</summary>
public static class LabZoo
{
    /// <summary>Builds or resumes the zoo in <see cref="LabZooRequest.Output"/>; cached models are never rebuilt.</summary>
    public static LabZooResult Build(LabZooRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var builder = ZooBuilder.Run(request.Output, ZooProfile.Get(request.Profile), request.DataFolder, request.Owners, request.Negatives, request.Log);
        var models = builder.Manifest.Models;
        return new LabZooResult(
            Path.Combine(Path.GetFullPath(request.Output), ZooManifest.FileName),
            builder.Manifest.Profile,
            models.Count(m => m.Role == "owner"),
            models.Count(m => m.Role == "negative"),
            models.Count(m => m.Role == "positive"),
            models.Count(m => m.Role == "positive" && m.Counts == true),
            builder.Built,
            builder.Reused,
            builder.Manifest.LastBuildSeconds);
    }
}
