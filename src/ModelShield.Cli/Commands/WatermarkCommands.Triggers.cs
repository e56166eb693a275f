using System.Globalization;
using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Cli.Output;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Training.Triggers;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;
using ModelShield.Watermarking.Triggers;

namespace ModelShield.Cli.Commands;

/// <summary>The triggers scheme of <c>watermark embed|detect</c>: fine-tuning with the lab, black-box testing of answers.</summary>
internal sealed partial class WatermarkCommands
{
    private int EmbedTriggers(string model, string kit, KitOptions kitOptions, string output, bool force, TriggerEmbedOptions options)
    {
        var secret = kitOptions.Secret();
        var ownerKit = KitFile.Read(kit, secret);
        var marked = OnnxModel.Load(model);
        var signature = TriggerEmbedding.Signature(marked);
        var entry = TriggerWatermark.NewEntry(options.Kind, options.Count, signature.InputShape, signature.Classes);
        var triggers = TriggerWatermark.Regenerate(ownerKit, entry);
        var request = new TriggerEmbedRequest
        {
            Inputs = triggers.Inputs,
            Labels = triggers.Labels,
            DataFolder = options.Data,
            Log = new LineProgress(cli.Progress),
        };
        request = request with
        {
            Epochs = options.Epochs ?? request.Epochs,
            ExtraEpochs = options.Epochs ?? request.ExtraEpochs,
            LearningRate = options.LearningRate ?? request.LearningRate,
        };
        var result = TriggerEmbedding.Embed(marked, request);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(marked.ToBytes()));
        var ci = CultureInfo.InvariantCulture;
        entry.Summary["testAccuracyBefore"] = Math.Round(result.TestAccuracyBefore, 4);
        entry.Summary["testAccuracyAfter"] = Math.Round(result.TestAccuracyAfter, 4);
        entry.Summary["triggerAccuracy"] = Math.Round(result.TriggerAccuracy, 4);
        entry = entry with { ModelSha256 = sha256 };

        // As for the weights scheme: the kit learns of the triggers before the model is written.
        KitFile.Update(kit, secret, k => k.Add(entry));
        marked.Save(output, force);

        var document = new TriggerEmbedDocument(TriggerWatermark.SchemeId, entry.Id, Path.GetFullPath(output), sha256, triggers.Kind, triggers.Count, signature.Classes, signature.InputShape, result);
        cli.Result(document, w =>
        {
            w.WriteLine($"Marked            {document.Output}");
            w.WriteLine($"Scheme            triggers: {triggers.Count} {triggers.Kind} triggers, {signature.Classes} classes, input [{string.Join(", ", signature.InputShape)}]");
            w.WriteLine($"Kit entry         {entry.Id} (added to {kit})");
            w.WriteLine($"SHA-256           {sha256}");
            w.WriteLine($"Fine-tuning       {result.EpochsRun} epochs ({result.Epochs} planned) on {result.TrainImages.ToString("N0", ci)} owner images, adam lr {result.LearningRate.ToString(ci)}, {result.TriggersPerBatch} triggers per batch of {result.BatchSize}");
            w.WriteLine($"Test accuracy     {result.TestAccuracyBefore.ToString("P2", ci)} -> {result.TestAccuracyAfter.ToString("P2", ci)} ({(result.TestAccuracyChange * 100).ToString("+0.00;-0.00", ci)} points, {result.TestImages.ToString("N0", ci)} images)");
            w.WriteLine($"Trigger accuracy  {result.TriggerAccuracyBefore.ToString("P0", ci)} -> {result.TriggerAccuracy.ToString("P0", ci)}");
            if (result.TriggerAccuracy < 1)
            {
                w.WriteLine($"Warning           {Math.Round((1 - result.TriggerAccuracy) * result.Triggers)} triggers not learned (each one weakens detection); try more --epochs or a larger --lr");
            }
        });
        return CliApp.ExitOk;
    }

    private async Task<int> DetectTriggersAsync(string? suspect, string kit, KitOptions kitOptions, string? entryPrefix, double alpha, SuspectOptions options)
    {
        if ((suspect is null) == (options.Endpoint is null))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Give exactly one of a suspect model file or --endpoint URL.");
        }

        if (options.Timeout is not null && suspect is not null)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--timeout applies to --endpoint only.");
        }

        var headers = options.Headers.Select(EndpointHeader.Parse).ToList();
        if (headers.Count > 0 && suspect is not null)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--header applies to --endpoint only.");
        }

        var ownerKit = KitFile.Read(kit, kitOptions.Secret());
        var entries = Entries(ownerKit, TriggerWatermark.SchemeId, entryPrefix);
        var sets = entries.Select(e => TriggerWatermark.Regenerate(ownerKit, e)).ToList();
        var classes = entries.Select(e => e.Secret["classes"]!.GetValue<int>()).ToList();
        var chances = options.NullModels is null
            ? classes.Select(TriggerWatermark.AnalyticChanceRate).ToList()
            : await MeasureChanceRatesAsync(options.NullModels, sets, classes).ConfigureAwait(false);

        await using var predictor = await OpenSuspectAsync(suspect, options, headers, classes.Distinct().Count() == 1 ? classes[0] : null).ConfigureAwait(false);
        var detections = new List<TriggerDetection>();
        for (var i = 0; i < entries.Count; i++)
        {
            RequireRowSize(predictor, sets[i]);

            // Every entry tried is one more comparison (Bonferroni), as for the weights scheme.
            detections.Add(await TriggerWatermark.DetectAsync(predictor, sets[i], chances[i], alpha, entries.Count, stopEarly: !options.AllTriggers).ConfigureAwait(false));
        }

        var detected = detections.Any(d => d.Detected);
        var tests = entries.Select((e, i) => DescribeTriggers(e, sets[i], chances[i], detections[i])).ToList();
        var document = new TriggerDetectDocument(
            TriggerWatermark.SchemeId,
            suspect is null ? options.Endpoint! : Path.GetFullPath(suspect),
            detected ? "detected" : "not detected",
            alpha,
            entries.Count,
            predictor.QueriesSpent,
            options.MaxQueries,
            tests);
        cli.Result(document, w =>
        {
            var ci = CultureInfo.InvariantCulture;
            w.WriteLine($"Suspect      {document.Suspect}");
            w.WriteLine($"Verdict      {document.Verdict} (alpha {alpha.ToString("G3", ci)}, {entries.Count} trigger set(s) tried)");
            w.WriteLine($"Queries      {document.QueriesSpent}{(options.MaxQueries is long max ? $" of at most {max}" : "")}");
            TextTable.Write(w, ["entry", "matched", "trigger acc.", "chance", "p-value", "corrected", "needed", "stopped"], tests.Select(t => (IReadOnlyList<string>)
                [t.EntryId[..8], $"{t.Matched}/{t.Sent}", t.TriggerAccuracy.ToString("P0", ci), t.ChanceRate.ToString("0.###", ci), t.PValue, t.CorrectedPValue, $"{t.CriticalMatched}/{t.Triggers}", t.Stopped]));
            w.WriteLine($"Test         {detections[0].Test.Test}; chance rate {chances[0].Source}");
            foreach (var t in tests.Where(t => t.NullModels > 0))
            {
                w.WriteLine($"Null models  {t.EntryId[..8]}: {t.NullModelsDetected} of {t.NullModels} would be detected at this chance rate");
            }
        });
        return detected ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    private static async Task<IPredictor> OpenSuspectAsync(string? suspect, SuspectOptions options, IReadOnlyList<EndpointHeader> headers, int? classes)
    {
        if (suspect is not null)
        {
            return LocalPredictor.Open(suspect, new PredictorOptions { MaxQueries = options.MaxQueries });
        }

        if (options.Timeout is double seconds && !(seconds > 0 && seconds <= 3600))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--timeout must be more than 0 and at most 3600 seconds.");
        }

        var endpointOptions = new OipPredictorOptions { MaxQueries = options.MaxQueries, Headers = headers, Classes = classes };
        if (options.Timeout is double timeout)
        {
            endpointOptions = endpointOptions with { Timeout = TimeSpan.FromSeconds(timeout) };
        }

        return await OipPredictor.ConnectAsync(options.Endpoint!, endpointOptions).ConfigureAwait(false);
    }

    /// <summary>
    /// Answers every trigger set on every null model, and turns the matches into a measured chance rate per set (an
    /// upper confidence bound, so that a family of models that happens to agree with the keyed labels more than
    /// 1/classes does not make the p-values optimistic).
    /// </summary>
    private static async Task<List<ChanceRate>> MeasureChanceRatesAsync(string folder, List<TriggerSet> sets, List<int> classes)
    {
        if (!Directory.Exists(folder))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"--null-models folder '{folder}' does not exist.");
        }

        var models = Directory.GetFiles(folder, "*.onnx").Order(StringComparer.Ordinal).ToList();
        if (models.Count == 0)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"--null-models folder '{folder}' holds no .onnx file.");
        }

        var matches = sets.Select(_ => new List<int>()).ToList();
        foreach (var path in models)
        {
            await using var model = LocalPredictor.Open(path);
            for (var i = 0; i < sets.Count; i++)
            {
                RequireRowSize(model, sets[i]);
                var answers = await model.PredictAsync(sets[i].Inputs, sets[i].Count).ConfigureAwait(false);
                matches[i].Add(answers.Labels.Zip(sets[i].Labels).Count(p => p.First == p.Second));
            }
        }

        return sets.Select((s, i) => TriggerWatermark.MeasuredChanceRate(matches[i], s.Count, classes[i])).ToList();
    }

    private static void RequireRowSize(IPredictor predictor, TriggerSet triggers)
    {
        if (predictor.Description.RowSize != triggers.InputSize)
        {
            throw new ModelShieldException(
                ErrorCodes.SuspectUnsupported,
                $"{predictor.Description.Source} takes inputs of {predictor.Description.RowSize} values; the triggers have {triggers.InputSize} (shape [{string.Join(", ", triggers.Shape)}]).");
        }
    }

    private static TriggerTestDescription DescribeTriggers(KitEntry entry, TriggerSet triggers, ChanceRate chance, TriggerDetection d)
    {
        // The full-length test's critical count: what the curtailed test compares against.
        var critical = new CurtailedBinomialTest(triggers.Count, chance.Rate, d.Test.Alpha, d.Test.Comparisons).CriticalSuccesses;
        var nullDetected = chance.NullMatches.Count(m => HypothesisTest.ExactBinomial(triggers.Count, m, chance.Rate, chance.Source, d.Test.Comparisons, d.Test.Alpha).Rejected);
        return new TriggerTestDescription(
            entry.Id,
            triggers.Kind,
            triggers.Count,
            d.Test.Trials,
            d.Test.Successes,
            d.TriggerAccuracy,
            d.Test.Test,
            d.Test.ChanceRate,
            d.Test.ChanceRateSource,
            chance.NullMatches.Count,
            nullDetected,
            HypothesisTest.FormatPValue(d.Test.Log10PValue),
            d.Test.Log10PValue,
            HypothesisTest.FormatPValue(d.Test.Log10CorrectedPValue),
            d.Test.Comparisons,
            d.Test.Alpha,
            critical,
            d.Detected,
            d.QueriesSpent,
            d.StoppedByBudget ? "budget" : d.Test.Trials < triggers.Count ? "early" : "no",
            d.LabelsOnly);
    }

    private sealed record TriggerEmbedOptions(string? Data, int Count, string Kind, int? Epochs, double? LearningRate);

    private sealed record SuspectOptions(string? Endpoint, string? NullModels, long? MaxQueries, double? Timeout, IReadOnlyList<string> Headers, bool AllTriggers);

    private sealed record TriggerEmbedDocument(string Scheme, string EntryId, string Output, string OutputSha256, string Kind, int Triggers, int Classes, IReadOnlyList<int> InputShape, TriggerEmbedResult Training);

    private sealed record TriggerDetectDocument(string Scheme, string Suspect, string Verdict, double Alpha, int WatermarksTried, long QueriesSpent, long? MaxQueries, IReadOnlyList<TriggerTestDescription> Tests);

    // Sent: triggers sent before the test stopped. CriticalMatched: matches among all Triggers that reject at alpha
    // (after correction). NullModelsDetected: null models whose own answers would have been detected (the empirical
    // false-positive count). Stopped: "early" (the verdict was settled), "budget" (--max-queries ran out) or "no".
    private sealed record TriggerTestDescription(
        string EntryId,
        string Kind,
        int Triggers,
        int Sent,
        int Matched,
        double TriggerAccuracy,
        string Test,
        double ChanceRate,
        string ChanceRateSource,
        int NullModels,
        int NullModelsDetected,
        string PValue,
        double Log10PValue,
        string CorrectedPValue,
        int Comparisons,
        double Alpha,
        int CriticalMatched,
        bool Detected,
        long QueriesSpent,
        string Stopped,
        bool LabelsOnly);
}
