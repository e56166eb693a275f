using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Errors;
using ModelShield.Protection.Fingerprints;
using ModelShield.Training;
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
        var result = await FingerprintRecording.RecordAsync(new FingerprintRecordRequest
        {
            ModelPath = model,
            Kit = kitOptions.Access(kit),
            DataFolder = data,
            Queries = queries,
            NullModels = nullModels,
            ReferenceModels = referenceModels,
            Log = new LineProgress(cli.Progress),
        }).ConfigureAwait(false);
        cli.Result(result, w => RenderRecord(w, result, kit));
        return CliApp.ExitOk;
    }

    [Command("compare", Description =
        "Send the kit's fingerprint queries to a suspect (an .onnx file or an Open Inference Protocol v2 endpoint) and test its answers:\n" +
        "exit 0 when it is a clone of the fingerprinted model, 1 when independent. Each comparator reports its score, calibrated threshold,\n" +
        "p-value (beta-binomial: the null models' rate and how much they differ), and the null models' false-positive count.\n" +
        "Example: modelshield fingerprint compare --endpoint https://api.example.com/v2/models/clf --header Authorization=SUSPECT_TOKEN --kit owner.mskit")]
    public async Task<int> Compare(
        [Argument(Description = "The suspect model (.onnx); or give --endpoint")] string? suspect,
        [Option(Description = "The owner kit (.mskit)")] string kit,
        KitOptions kitOptions,
        [Option(Description = "Open Inference Protocol v2 endpoint, .../v2/models/NAME[/versions/V], instead of a file")] string? endpoint = null,
        [Option(Description = "NAME=ENVVAR: a header sent to the endpoint, its value read from the variable (repeatable)")] string[]? header = null,
        [Option(Description = "Seconds one request to the endpoint may take (default 30)")] double? timeout = null,
        [Option("max-queries", Description = "Most queries sent to the suspect")] long? maxQueries = null,
        [Option(Description = "Compare with this fingerprint entry (id or prefix; default the newest)")] string? entry = null,
        [Option(Description = "Family-wise significance level")] double alpha = HypothesisTest.DefaultAlpha,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        if (alpha is <= 0 or >= 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--alpha must lie in (0, 1).");
        }

        var source = SuspectArguments.Create(suspect, endpoint, header, timeout, maxQueries);
        var report = await FingerprintMatching.CompareAsync(source, kitOptions.Access(kit), entry, alpha).ConfigureAwait(false);
        cli.Result(report, w => RenderCompare(w, report));
        return report.IsClone ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    internal static void RenderRecord(TextWriter w, FingerprintRecordResult d, string kit)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"Model        {d.Model}");
        w.WriteLine($"Kit entry    {d.EntryId} (fingerprint, added to {kit})");
        w.WriteLine($"Queries      {d.Queries}: {string.Join(", ", d.Kinds.Select(k => $"{k.Value} {k.Key}"))}");
        w.WriteLine($"Null models  {d.NullModels.Count} ({d.NullOrigin}{(d.TrainingSeconds is double s ? string.Create(ci, $", trained here in {s:0.0} s") : "")})");
        TextTable.Write(w, ["comparator", "trial threshold", "null successes", "chance rate", "design effect (90% bound)", "needed (of all)", "null false positives"], d.Comparators.Select(c => (IReadOnlyList<string>)
            [c.Comparator, c.TrialThreshold?.ToString("0.000", ci) ?? "-", string.Join(" ", c.NullSuccesses), c.ChanceRate.ToString("0.0000", ci), string.Create(ci, $"{c.DesignEffect:0.00} ({c.DesignEffectBound:0.00})"), $"{c.SuccessesNeeded}/{c.Trials}", c.NullFalsePositives.ToString(ci)]));
        w.WriteLine(string.Create(ci, $"Level        alpha {d.Alpha:G3}, Bonferroni over {d.Comparators.Count} comparators; chance rates are one-sided 99.9% Clopper-Pearson upper bounds; tests are beta-binomial with the correlation the design effect's 90% upper bound implies"));
        if (!d.PerfectCopyDetectable || !d.PerfectCopyDetectableLabelsOnly)
        {
            w.WriteLine($"Warning      not even an exact copy {(d.PerfectCopyDetectable ? "answering labels only " : "")}could be called a clone with this fingerprint: " +
                "the null models agree with the model too often or differ too much from one another (see 'design effect'); give more null models (--null-models, or a higher --reference-models)");
        }
    }

    internal static void RenderCompare(TextWriter w, FingerprintCompareReport d)
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
}
