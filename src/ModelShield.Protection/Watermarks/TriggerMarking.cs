using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Protection.Kits;
using ModelShield.Protection.Suspects;
using ModelShield.Training.Triggers;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;
using ModelShield.Watermarking.Triggers;

namespace ModelShield.Protection.Watermarks;

/// <summary>What <see cref="TriggerMarking.Embed"/> does: fine-tune a copy of a model to answer a secret trigger set.</summary>
public sealed record TriggerMarkRequest
{
    /// <summary>The model to mark; never changed.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The kit the entry is added to.</summary>
    public required KitAccess Kit { get; init; }

    /// <summary>Where the marked model goes.</summary>
    public required string OutputPath { get; init; }

    /// <summary>The data folder whose owner split is fine-tuned on.</summary>
    public required string DataFolder { get; init; }

    /// <summary>Number of triggers.</summary>
    public int Triggers { get; init; } = 100;

    /// <summary>The trigger kind when none is asked for: patterns survived fine-tuning better than noise (docs/watermark-triggers.md).</summary>
    public const string DefaultKind = "patterns";

    /// <summary>noise or patterns.</summary>
    public string Kind { get; init; } = DefaultKind;

    /// <summary>Fine-tuning epochs; null for the lab's default (7, the last two at a falling rate, and up to 10 more only while a trigger is still answered wrongly); given, up to as many more.</summary>
    public int? Epochs { get; init; }

    /// <summary>Fine-tuning learning rate; null for the lab's default.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Weight noise the triggers are also trained under (robustness to fine-tuning); null for the lab's default, 0 for none.</summary>
    public double? WeightNoise { get; init; }

    /// <summary>Replace an existing output.</summary>
    public bool Force { get; init; }

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }
}

/// <summary>The trigger-marked model and how fine-tuning went.</summary>
/// <param name="Scheme">"triggers".</param>
/// <param name="EntryId">The kit entry added.</param>
/// <param name="Output">The marked model's full path.</param>
/// <param name="OutputSha256">SHA-256 of the marked model file.</param>
/// <param name="Kind">The trigger kind.</param>
/// <param name="Triggers">How many triggers.</param>
/// <param name="Classes">The model's classes.</param>
/// <param name="InputShape">The model's input shape (one row).</param>
/// <param name="Training">Fine-tuning figures: epochs, test and trigger accuracy before and after.</param>
public sealed record TriggerMarkResult(string Scheme, string EntryId, string Output, string OutputSha256, string Kind, int Triggers, int Classes, IReadOnlyList<int> InputShape, TriggerEmbedResult Training);

/// <summary>One trigger set's test on a suspect, as reported.</summary>
/// <param name="EntryId">The kit entry tested.</param>
/// <param name="Kind">The trigger kind.</param>
/// <param name="Triggers">Triggers in the set.</param>
/// <param name="Sent">Triggers sent before the test stopped.</param>
/// <param name="Matched">Triggers answered with their keyed label.</param>
/// <param name="TriggerAccuracy">Matched / sent.</param>
/// <param name="Test">The test's name.</param>
/// <param name="ChanceRate">The chance a trigger is answered with its label by an independent model.</param>
/// <param name="ChanceRateSource">Where that rate comes from (analytic, or measured on null models).</param>
/// <param name="IntraClassCorrelation">How much the null models' matches hang together (0 when analytic: binomial test).</param>
/// <param name="NullModels">Null models the rate was measured on (0 when analytic).</param>
/// <param name="NullModelsDetected">Null models whose own answers would be detected: the empirical false-positive count.</param>
/// <param name="PValue">The uncorrected p-value, for people.</param>
/// <param name="Log10PValue">Its base-10 logarithm.</param>
/// <param name="CorrectedPValue">The Bonferroni-corrected p-value, for people.</param>
/// <param name="Log10CorrectedPValue">Its base-10 logarithm.</param>
/// <param name="Comparisons">The Bonferroni factor.</param>
/// <param name="Alpha">The family-wise level.</param>
/// <param name="CriticalMatched">Matches among all triggers that reject at that level.</param>
/// <param name="Detected">The verdict.</param>
/// <param name="QueriesSpent">Inputs sent to the suspect for this set.</param>
/// <param name="Stopped">"early" (verdict settled), "budget" (query budget ran out) or "no".</param>
/// <param name="LabelsOnly">True when the suspect answered labels only.</param>
public sealed record TriggerTestResult(
    string EntryId,
    string Kind,
    int Triggers,
    int Sent,
    int Matched,
    double TriggerAccuracy,
    string Test,
    double ChanceRate,
    string ChanceRateSource,
    double IntraClassCorrelation,
    int NullModels,
    int NullModelsDetected,
    string PValue,
    double Log10PValue,
    string CorrectedPValue,
    double Log10CorrectedPValue,
    int Comparisons,
    double Alpha,
    int CriticalMatched,
    bool Detected,
    long QueriesSpent,
    string Stopped,
    bool LabelsOnly);

/// <summary>Every trigger set of the kit tested on one suspect.</summary>
/// <param name="Scheme">"triggers".</param>
/// <param name="Suspect">The suspect file's full path or the endpoint URL.</param>
/// <param name="Verdict">"detected" or "not detected".</param>
/// <param name="Alpha">The family-wise level.</param>
/// <param name="WatermarksTried">The Bonferroni factor.</param>
/// <param name="QueriesSpent">Inputs sent to the suspect in all.</param>
/// <param name="MaxQueries">The query budget, when one was set.</param>
/// <param name="Tests">Each set's test.</param>
public sealed record TriggerDetectReport(string Scheme, string Suspect, string Verdict, double Alpha, int WatermarksTried, long QueriesSpent, long? MaxQueries, IReadOnlyList<TriggerTestResult> Tests)
{
    /// <summary>True when any trigger set is detected.</summary>
    public bool Detected => Tests.Any(t => t.Detected);
}

/// <summary>The trigger-set watermark on files and kits: embed by fine-tuning, detect from a suspect's answers (black box).</summary>
public static class TriggerMarking
{
    /// <summary>
    /// Fine-tunes a copy of the model on the owner split mixed with the kit's new triggers; records the entry before
    /// writing the model. Cancelling stops the fine-tuning before the kit or the output is touched.
    /// </summary>
    public static TriggerMarkResult Embed(TriggerMarkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        WeightMarking.RequireNewOutput(request.OutputPath, request.Force);
        var kit = request.Kit.Read();
        var marked = OnnxModel.Load(request.ModelPath);
        var signature = TriggerEmbedding.Signature(marked);
        var entry = TriggerWatermark.NewEntry(request.Kind, request.Triggers, signature.InputShape, signature.Classes);
        var triggers = TriggerWatermark.Regenerate(kit, entry);
        var training = new TriggerEmbedRequest
        {
            Inputs = triggers.Inputs,
            Labels = triggers.Labels,
            DataFolder = request.DataFolder,
            Log = request.Log,
            Cancellation = cancellationToken,
        };
        training = training with
        {
            Epochs = request.Epochs ?? training.Epochs,
            ExtraEpochs = request.Epochs ?? training.ExtraEpochs,
            LearningRate = request.LearningRate ?? training.LearningRate,
            WeightNoise = request.WeightNoise ?? training.WeightNoise,
        };
        var result = TriggerEmbedding.Embed(marked, training);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(marked.ToBytes()));
        entry.Summary["testAccuracyBefore"] = Math.Round(result.TestAccuracyBefore, 4);
        entry.Summary["testAccuracyAfter"] = Math.Round(result.TestAccuracyAfter, 4);
        entry.Summary["triggerAccuracy"] = Math.Round(result.TriggerAccuracy, 4);
        entry = entry with { ModelSha256 = sha256 };

        // As for the weights scheme: the kit learns of the triggers before the model is written.
        request.Kit.Add(entry);
        marked.Save(request.OutputPath, request.Force);
        return new TriggerMarkResult(TriggerWatermark.SchemeId, entry.Id, Path.GetFullPath(request.OutputPath), sha256, triggers.Kind, triggers.Count, signature.Classes, signature.InputShape, result);
    }

    /// <summary>
    /// Queries the suspect with every trigger set of the kit (or the one whose id starts with <paramref name="entryPrefix"/>)
    /// and tests the matches with a curtailed exact binomial test against the chance rate: analytic 1/classes, or measured
    /// on the models in <paramref name="nullModels"/> (then a beta-binomial when their matches spread more than a binomial's).
    /// </summary>
    public static async Task<TriggerDetectReport> DetectAsync(
        SuspectSource suspect,
        KitAccess kit,
        string? nullModels = null,
        string? entryPrefix = null,
        double alpha = HypothesisTest.DefaultAlpha,
        bool allTriggers = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(kit);
        WeightMarking.RequireAlpha(alpha);
        var ownerKit = kit.Read();
        var entries = KitAccess.Entries(ownerKit, TriggerWatermark.SchemeId, entryPrefix);
        var sets = entries.Select(e => TriggerWatermark.Regenerate(ownerKit, e)).ToList();
        var classes = entries.Select(e => e.Secret["classes"]!.GetValue<int>()).ToList();
        var chances = nullModels is null
            ? classes.Select(TriggerWatermark.AnalyticChanceRate).ToList()
            : await MeasureChanceRatesAsync(nullModels, sets, classes, cancellationToken).ConfigureAwait(false);

        await using var predictor = await suspect.OpenAsync(classes.Distinct().Count() == 1 ? classes[0] : null, cancellationToken).ConfigureAwait(false);
        var tests = new List<TriggerTestResult>();
        for (var i = 0; i < entries.Count; i++)
        {
            RequireRowSize(predictor, sets[i]);

            // Every entry tried is one more comparison (Bonferroni), as for the weights scheme.
            var detection = await TriggerWatermark.DetectAsync(predictor, sets[i], chances[i], alpha, entries.Count, stopEarly: !allTriggers, cancellationToken).ConfigureAwait(false);
            tests.Add(Describe(entries[i], sets[i], chances[i], detection));
        }

        return new TriggerDetectReport(
            TriggerWatermark.SchemeId,
            suspect.Name,
            tests.Any(t => t.Detected) ? "detected" : "not detected",
            alpha,
            entries.Count,
            predictor.QueriesSpent,
            suspect.MaxQueries,
            tests);
    }

    /// <summary>
    /// Answers every trigger set on every null model, and turns the matches into a measured chance rate per set (an
    /// upper confidence bound, so that a family of models that happens to agree with the keyed labels more than
    /// 1/classes does not make the p-values optimistic).
    /// </summary>
    private static async Task<List<ChanceRate>> MeasureChanceRatesAsync(string folder, List<TriggerSet> sets, List<int> classes, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Null-models folder '{folder}' does not exist.");
        }

        var models = Directory.GetFiles(folder, "*.onnx").Order(StringComparer.Ordinal).ToList();
        if (models.Count == 0)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"Null-models folder '{folder}' holds no .onnx file.");
        }

        var matches = sets.Select(_ => new List<int>()).ToList();
        foreach (var path in models)
        {
            await using var model = LocalPredictor.Open(path);
            for (var i = 0; i < sets.Count; i++)
            {
                RequireRowSize(model, sets[i]);
                var answers = await model.PredictAsync(sets[i].Inputs, sets[i].Count, cancellationToken).ConfigureAwait(false);
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

    private static TriggerTestResult Describe(KitEntry entry, TriggerSet triggers, ChanceRate chance, TriggerDetection d)
    {
        // The full-length test's critical count: what the curtailed test compares against.
        var critical = chance.Test(triggers.Count, 0, d.Test.Comparisons, d.Test.Alpha).CriticalSuccesses;
        var nullDetected = chance.NullMatches.Count(m => chance.Test(triggers.Count, m, d.Test.Comparisons, d.Test.Alpha).Rejected);
        return new TriggerTestResult(
            entry.Id,
            triggers.Kind,
            triggers.Count,
            d.Test.Trials,
            d.Test.Successes,
            d.TriggerAccuracy,
            d.Test.Test,
            d.Test.ChanceRate,
            d.Test.ChanceRateSource,
            chance.IntraClassCorrelation,
            chance.NullMatches.Count,
            nullDetected,
            HypothesisTest.FormatPValue(d.Test.Log10PValue),
            d.Test.Log10PValue,
            HypothesisTest.FormatPValue(d.Test.Log10CorrectedPValue),
            d.Test.Log10CorrectedPValue,
            d.Test.Comparisons,
            d.Test.Alpha,
            critical,
            d.Detected,
            d.QueriesSpent,
            d.StoppedByBudget ? "budget" : d.Test.Trials < triggers.Count ? "early" : "no",
            d.LabelsOnly);
    }
}
