using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Errors;
using ModelShield.Fingerprinting;
using ModelShield.Fingerprinting.Calibration;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Training;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield fingerprint record|compare</c>: query fingerprints, which need no change to the model.</summary>
internal sealed class FingerprintCommands(CliOutput cli)
{
    [Command("record", Description =
        "Choose secret queries for a model (its mistakes, CutMix-style mixes, points just across its decision boundary), record its answers\n" +
        "and the comparators' calibration on null models in the kit. Without --null-models, trains independent reference models on --data.\n" +
        "Example: modelshield fingerprint record models/mlp/model.onnx --kit owner.mskit --data /usr/share/datasets/fashion-mnist")]
    public async Task<int> Record(
        [Argument(Description = "The owner's model (.onnx); it is never changed")] string model,
        [Option(Description = "The owner kit (.mskit); the fingerprint entry is added to it")] string kit,
        KitOptions kitOptions,
        [Option(Description = "Data folder (IDX or .npy Fashion-MNIST files): the owner's samples the queries are made from")] string data,
        [Option(Description = "How many queries (at most this many are ever sent to a suspect)")] int queries = 100,
        [Option("null-models", Description = "Folder of independently trained models (*.onnx) to calibrate on; default: train reference models on --data")] string? nullModels = null,
        [Option("reference-models", Description = "How many reference models to train when --null-models is not given")] int referenceModels = LabFingerprintQueries.DefaultReferenceModels,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        if (!File.Exists(model))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Model '{model}' does not exist.");
        }

        if (nullModels is not null && !Directory.Exists(nullModels))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"--null-models '{nullModels}' is not a folder.");
        }

        if (referenceModels is < FingerprintCalibration.MinimumNullModels or > 100)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"--reference-models must lie between {FingerprintCalibration.MinimumNullModels} and 100.");
        }

        // Opening the kit and listing the null models first fails fast, before any work.
        var secret = kitOptions.Secret();
        _ = KitFile.Read(kit, secret);
        var givenNulls = nullModels is null ? null : Directory.EnumerateFiles(nullModels, "*.onnx").Order(StringComparer.Ordinal).Select(p => (p, Path.GetFileName(p))).ToList();
        if (givenNulls is not null && givenNulls.Count < FingerprintCalibration.MinimumNullModels)
        {
            throw new ModelShieldException(ErrorCodes.NullModelsInsufficient, $"--null-models '{nullModels}' holds {givenNulls.Count} .onnx files; at least {FingerprintCalibration.MinimumNullModels} are needed.");
        }

        // The queries are stored whole in the kit, so their seed only has to be unpredictable, not reproducible.
        var chosen = LabFingerprintQueries.Choose(model, data, queries, RandomNumberGenerator.GetInt32(int.MaxValue));
        var querySet = new QuerySet(chosen.RowShape, chosen.Inputs, chosen.Kinds);

        var trainedFolder = nullModels is null ? Directory.CreateTempSubdirectory("modelshield-reference-").FullName : null;
        try
        {
            var nulls = givenNulls;
            double? trainingSeconds = null;
            if (nulls is null)
            {
                cli.Progress($"No --null-models: training {referenceModels} independent reference models on {data} to calibrate on");
                var trained = LabFingerprintQueries.TrainReferenceModels(data, trainedFolder!, referenceModels, new LineProgress(cli.Progress));
                nulls = trained.Models.Select(m => (m.Path, m.Recipe)).ToList();
                trainingSeconds = trained.Seconds;
                cli.Progress(string.Create(CultureInfo.InvariantCulture, $"Trained {nulls.Count} reference models in {trained.Seconds:0.0} s"));
            }

            var fingerprint = await RecordAsync(model, querySet, nulls, nullModels is null ? "trained" : "given", trainingSeconds).ConfigureAwait(false);
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model)));
            var entry = fingerprint.ToKitEntry(sha256);
            KitFile.Update(kit, secret, k => k.Add(entry));
            var document = RecordDocument.From(fingerprint, Path.GetFullPath(model), sha256);
            cli.Result(document, w => RenderRecord(w, document, kit));
            return CliApp.ExitOk;
        }
        finally
        {
            if (trainedFolder is not null)
            {
                Directory.Delete(trainedFolder, recursive: true);
            }
        }
    }

    [Command("compare", Description =
        "Send the kit's fingerprint queries to a suspect (an .onnx file or an Open Inference Protocol v2 endpoint) and test its answers:\n" +
        "exit 0 when it is a clone of the fingerprinted model, 1 when independent. Each comparator reports its score, calibrated threshold,\n" +
        "exact binomial p-value against the null models' rate, and the null models' false-positive count.\n" +
        "Example: modelshield fingerprint compare --endpoint https://api.example.com/v2/models/clf --header Authorization=SUSPECT_TOKEN --kit owner.mskit")]
    public async Task<int> Compare(
        [Argument(Description = "The suspect model (.onnx); or give --endpoint")] string? suspect,
        [Option(Description = "The owner kit (.mskit)")] string kit,
        KitOptions kitOptions,
        [Option(Description = "Open Inference Protocol v2 endpoint, .../v2/models/NAME[/versions/V], instead of a file")] string? endpoint = null,
        [Option(Description = "NAME=ENVVAR: a header sent to the endpoint, its value read from the variable (repeatable)")] string[]? header = null,
        [Option(Description = "Seconds one request to the endpoint may take")] double timeout = 30,
        [Option("max-queries", Description = "Most queries sent to the suspect")] long? maxQueries = null,
        [Option(Description = "Compare with this fingerprint entry (id or prefix; default the newest)")] string? entry = null,
        [Option(Description = "Family-wise significance level")] double alpha = HypothesisTest.DefaultAlpha,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        if ((suspect is null) == (endpoint is null))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Give exactly one suspect: a model file, or --endpoint URL.");
        }

        if (alpha is <= 0 or >= 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--alpha must lie in (0, 1).");
        }

        if (suspect is not null && (header is { Length: > 0 } || timeout != 30))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--header and --timeout apply to --endpoint only.");
        }

        var ownerKit = KitFile.Read(kit, kitOptions.Secret());
        var entries = ownerKit.Entries.Where(e => e.Scheme == Fingerprint.SchemeId && (entry is null || e.Id.StartsWith(entry, StringComparison.Ordinal))).ToList();
        if (entries.Count == 0)
        {
            throw new ModelShieldException(ErrorCodes.KitEntryMissing, $"The kit holds no fingerprint{(entry is null ? "" : $" with id {entry}")}; record one with 'modelshield fingerprint record'.");
        }

        var fingerprint = Fingerprint.FromKitEntry(entries[^1]);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var predictor = endpoint is null
            ? LocalPredictor.Open(suspect!, new PredictorOptions { MaxQueries = maxQueries, Classes = fingerprint.Classes })
            : (IPredictor)await OipPredictor.ConnectAsync(endpoint, new OipPredictorOptions
            {
                MaxQueries = maxQueries,
                Classes = fingerprint.Classes,
                Timeout = TimeSpan.FromSeconds(timeout),
                Headers = (header ?? []).Select(EndpointHeader.Parse).ToList(),
            }).ConfigureAwait(false);
        var comparison = await FingerprintComparison.CompareAsync(predictor, fingerprint, alpha).ConfigureAwait(false);
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var document = CompareDocument.From(comparison, predictor.Description.Source, cpuSeconds, clock.Elapsed.TotalSeconds);
        cli.Result(document, w => RenderCompare(w, document));
        return comparison.IsClone ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    private static async Task<Fingerprint> RecordAsync(string model, QuerySet queries, List<(string Path, string Name)> nulls, string origin, double? trainingSeconds)
    {
        await using var owner = LocalPredictor.Open(model);
        var opened = new List<(string, IPredictor)>();
        try
        {
            foreach (var (path, name) in nulls)
            {
                opened.Add((name, LocalPredictor.Open(path)));
            }

            return await Fingerprint.RecordAsync(owner, queries, opened, origin, trainingSeconds).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, predictor) in opened)
            {
                await predictor.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void RenderRecord(TextWriter w, RecordDocument d, string kit)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"Model        {d.Model}");
        w.WriteLine($"Kit entry    {d.EntryId} (fingerprint, added to {kit})");
        w.WriteLine($"Queries      {d.Queries}: {string.Join(", ", d.Kinds.Select(k => $"{k.Value} {k.Key}"))}");
        w.WriteLine($"Null models  {d.NullModels.Count} ({d.NullOrigin}{(d.TrainingSeconds is double s ? string.Create(ci, $", trained here in {s:0.0} s") : "")})");
        TextTable.Write(w, ["comparator", "trial threshold", "null successes", "chance rate", "needed (of all)", "null false positives"], d.Comparators.Select(c => (IReadOnlyList<string>)
            [c.Comparator, c.TrialThreshold?.ToString("0.000", ci) ?? "-", string.Join(" ", c.NullSuccesses), c.ChanceRate.ToString("0.0000", ci), $"{c.SuccessesNeeded}/{c.Trials}", c.NullFalsePositives.ToString(ci)]));
        w.WriteLine(string.Create(ci, $"Level        alpha {d.Alpha:G3}, Bonferroni over {d.Comparators.Count} comparators; chance rates are one-sided 99.9% Clopper-Pearson upper bounds"));
    }

    private static void RenderCompare(TextWriter w, CompareDocument d)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"Suspect      {d.Suspect}");
        w.WriteLine(string.Create(ci, $"Verdict      {d.Verdict} (alpha {d.Alpha:G3}, Bonferroni over {d.ComparatorsRun} comparator(s); {d.NullFalsePositives} of {d.NullModels} null models would be called clones)"));
        w.WriteLine($"Queries      {d.QueriesSpent} of {d.QueriesRecorded} sent{(d.LabelsOnly ? "; the suspect answers labels only" : "")}");
        TextTable.Write(w, ["comparator", "score", "successes", "needed", "chance rate", "p-value", "corrected", "null FP", "clone"], d.Comparators.Select(c => (IReadOnlyList<string>)(c.NotRunReason is not null
            ? [c.Comparator, "-", "-", "-", "-", "-", "-", "-", $"not run: {c.NotRunReason}"]
            : [c.Comparator, c.Score.ToString("0.000", ci), $"{c.Successes}/{c.Trials}", $"{c.SuccessesNeeded}/{c.Trials}", c.ChanceRate!.Value.ToString("0.0000", ci), c.PValue!, c.CorrectedPValue!, $"{c.NullFalsePositives}/{c.NullModels}", c.IsClone ? "yes" : "no"])));
        foreach (var c in d.Comparators.Where(c => c.Test is not null))
        {
            w.WriteLine($"Test         {c.Comparator}: {c.Test}; chance rate {c.ChanceRateSource}");
        }

        w.WriteLine($"By kind      label agreement {string.Join(", ", d.AgreementByKind.Select(k => $"{k.Key} {k.Value.Agreed}/{k.Value.Queries}"))}");
        foreach (var note in d.Notes)
        {
            w.WriteLine($"Note         {note}");
        }
    }

    private sealed record RecordDocument(
        string EntryId,
        string Model,
        string ModelSha256,
        int Queries,
        IReadOnlyDictionary<string, int> Kinds,
        string NullOrigin,
        IReadOnlyList<string> NullModels,
        double? TrainingSeconds,
        double Alpha,
        IReadOnlyList<CalibrationDescription> Comparators)
    {
        public static RecordDocument From(Fingerprint f, string model, string sha256)
        {
            var comparators = f.Calibration.Comparators;
            return new RecordDocument(
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
                    var needed = Binomial.CriticalValue(c.TrialsPerModel, c.ChanceRate, HypothesisTest.DefaultAlpha / comparators.Count);
                    return new CalibrationDescription(c.Comparator, c.TrialThreshold, c.TrialsPerModel, c.NullSuccesses, c.ChanceRate, c.ChanceRateSource, needed, c.NullSuccesses.Count(s => s >= needed));
                }).ToList());
        }
    }

    private sealed record CalibrationDescription(string Comparator, double? TrialThreshold, int Trials, IReadOnlyList<int> NullSuccesses, double ChanceRate, string ChanceRateSource, int SuccessesNeeded, int NullFalsePositives);

    private sealed record CompareDocument(
        string Suspect,
        string EntryId,
        string Verdict,
        double Alpha,
        int ComparatorsRun,
        long QueriesSpent,
        int QueriesRecorded,
        bool LabelsOnly,
        int NullFalsePositives,
        int NullModels,
        double CpuSeconds,
        double WallSeconds,
        IReadOnlyList<ComparatorDescription> Comparators,
        IReadOnlyDictionary<string, KindAgreement> AgreementByKind,
        IReadOnlyList<string> Notes)
    {
        public static CompareDocument From(FingerprintComparison c, string suspect, double cpuSeconds, double wallSeconds) => new(
            suspect,
            c.EntryId,
            c.Verdict,
            c.Alpha,
            c.ComparatorsRun,
            c.QueriesSpent,
            c.QueriesRecorded,
            c.LabelsOnly,
            c.NullFalsePositives,
            c.NullModels,
            cpuSeconds,
            wallSeconds,
            c.Comparators.Select(r => new ComparatorDescription(
                r.Comparator,
                r.Description,
                r.NotRunReason,
                r.Score,
                r.TrialThreshold,
                r.Test?.Test,
                r.Test?.Trials,
                r.Test?.Successes,
                r.SuccessesNeeded,
                r.Test?.ChanceRate,
                r.Test?.ChanceRateSource,
                r.Test is null ? null : HypothesisTest.FormatPValue(r.Test.Log10PValue),
                r.Test?.Log10PValue,
                r.Test is null ? null : HypothesisTest.FormatPValue(r.Test.Log10CorrectedPValue),
                r.Test?.Log10CorrectedPValue,
                r.Test?.Comparisons,
                r.NullFalsePositives,
                r.NullModels,
                r.IsClone)).ToList(),
            c.AgreementByKind,
            c.Notes);
    }

    private sealed record ComparatorDescription(
        string Comparator,
        string Description,
        string? NotRunReason,
        double Score,
        double? TrialThreshold,
        string? Test,
        int? Trials,
        int? Successes,
        int? SuccessesNeeded,
        double? ChanceRate,
        string? ChanceRateSource,
        string? PValue,
        double? Log10PValue,
        string? CorrectedPValue,
        double? Log10CorrectedPValue,
        int? Comparisons,
        int NullFalsePositives,
        int NullModels,
        bool IsClone);

    private sealed class LineProgress(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }
}
