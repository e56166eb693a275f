using System.Globalization;
using System.Security.Cryptography;
using ModelShield.IO;
using ModelShield.Errors;
using ModelShield.Fingerprinting;
using ModelShield.Fingerprinting.Calibration;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Protection.Kits;
using ModelShield.Training;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Protection.Fingerprints;

/// <summary>What <see cref="FingerprintRecording.RecordAsync"/> does: choose secret queries, record the model's answers and calibrate.</summary>
public sealed record FingerprintRecordRequest
{
    /// <summary>The owner's model; never changed.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The kit the fingerprint entry is added to.</summary>
    public required KitAccess Kit { get; init; }

    /// <summary>The owner's data the queries are made from; null for the lab's default (the full set when installed, else the shipped sample).</summary>
    public string? DataFolder { get; init; }

    /// <summary>How many queries (at most this many are ever sent to a suspect).</summary>
    public int Queries { get; init; } = 100;

    /// <summary>A folder of independently trained models (*.onnx) to calibrate on; null to train reference models on the data.</summary>
    public string? NullModels { get; init; }

    /// <summary>How many reference models to train when <see cref="NullModels"/> is null.</summary>
    public int ReferenceModels { get; init; } = LabFingerprintQueries.DefaultReferenceModels;

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }
}

/// <summary>One comparator's calibration, as reported.</summary>
/// <param name="Comparator">The comparator's id.</param>
/// <param name="TrialThreshold">The per-trial threshold fitted on the null models, when it has one.</param>
/// <param name="Trials">Trials per model.</param>
/// <param name="NullSuccesses">Each null model's successes.</param>
/// <param name="ChanceRate">The chance rate under "independent model" (an upper confidence bound).</param>
/// <param name="ChanceRateSource">Where it came from.</param>
/// <param name="DesignEffect">How much more the null models' counts spread than a binomial's.</param>
/// <param name="DesignEffectBound">Its one-sided 90 % upper confidence bound.</param>
/// <param name="IntraClassCorrelation">The correlation the beta-binomial test uses: the one its 90 % upper confidence bound implies (0: binomial).</param>
/// <param name="SuccessesNeeded">Successes a full comparison needs at the default level.</param>
/// <param name="NullFalsePositives">Null models that would be called clones.</param>
public sealed record ComparatorCalibrationSummary(string Comparator, double? TrialThreshold, int Trials, IReadOnlyList<int> NullSuccesses, double ChanceRate, string ChanceRateSource, double DesignEffect, double DesignEffectBound, double IntraClassCorrelation, int SuccessesNeeded, int NullFalsePositives);

/// <summary>The fingerprint recorded.</summary>
/// <param name="EntryId">The kit entry added.</param>
/// <param name="Model">The model's full path.</param>
/// <param name="ModelSha256">SHA-256 of the model file.</param>
/// <param name="Queries">Queries chosen.</param>
/// <param name="Kinds">Queries of each kind.</param>
/// <param name="NullOrigin">"given" or "trained".</param>
/// <param name="NullModels">The null models' names.</param>
/// <param name="TrainingSeconds">How long training the reference models took, when they were trained here.</param>
/// <param name="Alpha">The default level the figures assume.</param>
/// <param name="Comparators">Each comparator's calibration.</param>
/// <param name="PerfectCopyDetectable">Whether a suspect answering every query as the model does would be called a clone at the default level.</param>
/// <param name="PerfectCopyDetectableLabelsOnly">The same for a suspect that answers labels only (label agreement alone).</param>
public sealed record FingerprintRecordResult(
    string EntryId,
    string Model,
    string ModelSha256,
    int Queries,
    IReadOnlyDictionary<string, int> Kinds,
    string NullOrigin,
    IReadOnlyList<string> NullModels,
    double? TrainingSeconds,
    double Alpha,
    IReadOnlyList<ComparatorCalibrationSummary> Comparators,
    bool PerfectCopyDetectable,
    bool PerfectCopyDetectableLabelsOnly);

/// <summary>Records query fingerprints into kits.</summary>
public static class FingerprintRecording
{
    /// <summary>
    /// Chooses the queries from the owner's data, asks the owner's model and every null model, calibrates the comparators
    /// on the null models alone, and adds the fingerprint to the kit. Without null models, trains reference models first.
    /// </summary>
    public static async Task<FingerprintRecordResult> RecordAsync(FingerprintRecordRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!File.Exists(request.ModelPath))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Model '{request.ModelPath}' does not exist.");
        }

        if (request.NullModels is not null && !Directory.Exists(request.NullModels))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Null-models folder '{request.NullModels}' is not a folder.");
        }

        if (request.ReferenceModels is < FingerprintCalibration.MinimumNullModels or > 100)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"The number of reference models must lie between {FingerprintCalibration.MinimumNullModels} and 100.");
        }

        // Opening the kit and listing the null models first fails fast, before any work.
        _ = request.Kit.Read();
        var givenNulls = request.NullModels is null ? null : Directory.EnumerateFiles(request.NullModels, "*.onnx").Order(StringComparer.Ordinal).Select(p => (p, Path.GetFileName(p))).ToList();
        if (givenNulls is not null && givenNulls.Count < FingerprintCalibration.MinimumNullModels)
        {
            throw new ModelShieldException(ErrorCodes.NullModelsInsufficient, $"Null-models folder '{request.NullModels}' holds {givenNulls.Count} .onnx files; at least {FingerprintCalibration.MinimumNullModels} are needed.");
        }

        // The queries are stored whole in the kit, so their seed only has to be unpredictable, not reproducible.
        var chosen = LabFingerprintQueries.Choose(request.ModelPath, request.DataFolder, request.Queries, RandomNumberGenerator.GetInt32(int.MaxValue), cancellationToken);
        var querySet = new QuerySet(chosen.RowShape, chosen.Inputs, chosen.Kinds);

        var trainedFolder = givenNulls is null ? Directory.CreateTempSubdirectory("modelshield-reference-").FullName : null;
        try
        {
            var nulls = givenNulls;
            double? trainingSeconds = null;
            if (nulls is null)
            {
                request.Log?.Report($"No null models given: training {request.ReferenceModels} independent reference models to calibrate on");
                var trained = LabFingerprintQueries.TrainReferenceModels(request.DataFolder, trainedFolder!, request.ReferenceModels, request.Log, cancellationToken);
                nulls = trained.Models.Select(m => (m.Path, m.Recipe)).ToList();
                trainingSeconds = trained.Seconds;
                request.Log?.Report(string.Create(CultureInfo.InvariantCulture, $"Trained {nulls.Count} reference models in {trained.Seconds:0.0} s"));
            }

            var fingerprint = await AskAsync(request.ModelPath, querySet, nulls, givenNulls is null ? "trained" : "given", trainingSeconds, cancellationToken).ConfigureAwait(false);
            var (sha256, _) = FileDigest.Sha256(request.ModelPath);
            request.Kit.Add(fingerprint.ToKitEntry(sha256));
            return Describe(fingerprint, Path.GetFullPath(request.ModelPath), sha256);
        }
        finally
        {
            if (trainedFolder is not null)
            {
                Directory.Delete(trainedFolder, recursive: true);
            }
        }
    }

    private static async Task<Fingerprint> AskAsync(string model, QuerySet queries, List<(string Path, string Name)> nulls, string origin, double? trainingSeconds, CancellationToken cancellationToken)
    {
        await using var owner = LocalPredictor.Open(model);
        var opened = new List<(string, IPredictor)>();
        try
        {
            foreach (var (path, name) in nulls)
            {
                opened.Add((name, LocalPredictor.Open(path)));
            }

            return await Fingerprint.RecordAsync(owner, queries, opened, origin, trainingSeconds, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, predictor) in opened)
            {
                await predictor.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static FingerprintRecordResult Describe(Fingerprint f, string model, string sha256)
    {
        var comparators = f.Calibration.Comparators;
        return new FingerprintRecordResult(
            f.EntryId,
            model,
            sha256,
            f.Queries.Count,
            QueryKinds.All.ToDictionary(k => k, k => f.Queries.IndicesOf(k).Count),
            f.Calibration.Origin,
            f.Calibration.NullModels,
            f.Calibration.TrainingSeconds,
            HypothesisTest.DefaultAlpha,
            comparators.Select(c =>
            {
                // What a full comparison at the default level needs, and how many null models it would call clones.
                var needed = c.Test(c.TrialsPerModel, 0, comparators.Count, HypothesisTest.DefaultAlpha).CriticalSuccesses;
                return new ComparatorCalibrationSummary(c.Comparator, c.TrialThreshold, c.TrialsPerModel, c.NullSuccesses, c.ChanceRate, c.ChanceRateSource, c.DesignEffect, c.DesignEffectBound, c.IntraClassCorrelation, needed, c.NullSuccesses.Count(s => s >= needed));
            }).ToList(),
            f.Calibration.CanConvictPerfectCopy(labelsOnly: false),
            f.Calibration.CanConvictPerfectCopy(labelsOnly: true));
    }
}
