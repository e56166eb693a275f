using System.Globalization;
using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Fingerprinting.Comparators;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Fingerprinting.Calibration;

/// <summary>
/// What the comparators' tests are calibrated on: independent (null) models' answers to the queries, taken once at
/// record time and kept in the kit. Nothing here ever sees a copy of the owner's model, so no threshold can be tuned
/// on the positives a benchmark later scores.
/// </summary>
/// <param name="Origin">"given" (--null-models) or "trained" (reference models trained by record).</param>
/// <param name="NullModels">The null models' names (file names, or the recipes of trained ones).</param>
/// <param name="TrainingSeconds">How long training the reference models took, when record trained them.</param>
/// <param name="Confidence">The one-sided confidence of the chance rates' upper bounds.</param>
/// <param name="Comparators">One calibration per comparator.</param>
public sealed record FingerprintCalibration(string Origin, IReadOnlyList<string> NullModels, double? TrainingSeconds, double Confidence, IReadOnlyList<ComparatorCalibration> Comparators)
{
    /// <summary>The confidence of the Clopper-Pearson bound on the null rate: 99.9 %.</summary>
    public const double DefaultConfidence = 0.999;

    /// <summary>Fewest null models accepted: fewer cannot show how independent models vary.</summary>
    public const int MinimumNullModels = 3;

    /// <summary>
    /// Calibrates every comparator on the null models' answers: fits its per-trial threshold on them, counts each
    /// null model's successes, and takes as chance rate the one-sided Clopper-Pearson upper bound of the pooled rate
    /// over an effective sample that accounts for how much the null models differ (so the test stays conservative for
    /// a rate measured on a finite, varied sample).
    /// </summary>
    public static FingerprintCalibration Calibrate(
        QuerySet queries,
        QueryAnswers owner,
        IReadOnlyList<(string Name, QueryAnswers Answers)> nullModels,
        string origin,
        double? trainingSeconds,
        double confidence = DefaultConfidence)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(nullModels);
        if (nullModels.Count < MinimumNullModels)
        {
            throw new ModelShieldException(ErrorCodes.NullModelsInsufficient, $"Calibration needs at least {MinimumNullModels} null models; {nullModels.Count} given.");
        }

        if (nullModels.FirstOrDefault(n => n.Answers.Count != queries.Count || n.Answers.Probabilities is null) is { Name: not null } bad)
        {
            throw new ModelShieldException(ErrorCodes.NullModelsInsufficient, $"Null model {bad.Name} must answer all {queries.Count} queries with class scores.");
        }

        var answers = nullModels.Select(n => n.Answers).ToList();
        var ci = CultureInfo.InvariantCulture;
        var comparators = new List<ComparatorCalibration>();
        foreach (var comparator in ComparatorRegistry.All)
        {
            var threshold = comparator.FitTrialThreshold(queries, owner, answers);
            var outcomes = answers.Select(a => comparator.Compare(queries, owner, a, threshold)).ToList();
            // A comparator these queries cannot feed (e.g. no mistakes of the owner to ask about) is left out, not guessed.
            if (outcomes.Any(o => o.NotRunReason is not null))
            {
                continue;
            }

            var trials = outcomes[0].Trials;
            var rate = NullRate.Measure(outcomes.Select(o => o.Successes).ToList(), trials, confidence);
            var source = $"measured on {outcomes.Count} null models ({origin}): {rate.Describe(outcomes.Count, "successes")}";
            comparators.Add(new ComparatorCalibration(comparator.Id, threshold, trials, outcomes.Select(o => o.Successes).ToList(), rate.Bound, source));
        }

        if (comparators.Count == 0)
        {
            throw new ModelShieldException(ErrorCodes.NullModelsInsufficient, "No comparator can be calibrated on these queries.");
        }

        return new FingerprintCalibration(origin, nullModels.Select(n => n.Name).ToList(), trainingSeconds, confidence, comparators);
    }

    /// <summary>
    /// Whether a suspect that succeeds on every trial would be called a clone at <paramref name="alpha"/>, by the tests a
    /// comparison runs: all of them, or with <paramref name="labelsOnly"/> those that read labels alone (what a
    /// labels-only endpoint allows). False means these null models agree with the owner so often, or differ from one
    /// another so much, that not even an exact copy can be told from an independent model with these queries.
    /// </summary>
    public bool CanConvictPerfectCopy(bool labelsOnly, double alpha = HypothesisTest.DefaultAlpha)
    {
        // The comparators a comparison runs, as it picks them: the registry's, where the kit calibrated them.
        var tests = ComparatorRegistry.All.Where(c => !labelsOnly || !c.NeedsProbabilities).Select(c => For(c.Id)).OfType<ComparatorCalibration>().ToList();
        return tests.Any(c => c.Test(c.TrialsPerModel, c.TrialsPerModel, tests.Count, alpha).Rejected);
    }

    /// <summary>The calibration of one comparator; null when the kit predates it.</summary>
    public ComparatorCalibration? For(string comparatorId) => Comparators.FirstOrDefault(c => c.Comparator == comparatorId);

    internal JsonObject ToJson() => new()
    {
        ["origin"] = Origin,
        ["nullModels"] = new JsonArray([.. NullModels.Select(n => (JsonNode)n)]),
        ["trainingSeconds"] = TrainingSeconds,
        ["confidence"] = Confidence,
        ["comparators"] = new JsonArray([.. Comparators.Select(c => (JsonNode)c.ToJson())]),
    };

    /// <summary>Reads a calibration from a kit; <see cref="FormatException"/> when its parts do not fit together.</summary>
    internal static FingerprintCalibration FromJson(JsonObject json)
    {
        var calibration = new FingerprintCalibration(
            json["origin"]!.GetValue<string>(),
            json["nullModels"]!.AsArray().Select(n => n!.GetValue<string>()).ToList(),
            json["trainingSeconds"]?.GetValue<double>(),
            json["confidence"]!.GetValue<double>(),
            json["comparators"]!.AsArray().Select(c => ComparatorCalibration.FromJson(c!.AsObject())).ToList());
        if (calibration.NullModels.Count == 0 || !(calibration.Confidence is > 0 and < 1))
        {
            throw new FormatException("the calibration names no null model or has a confidence outside (0, 1)");
        }

        // Each comparator holds one count per null model, each within its trials: comparison indexes them together.
        var unfit = calibration.Comparators.FirstOrDefault(c => c.NullSuccesses.Count != calibration.NullModels.Count);
        return unfit is null
            ? calibration
            : throw new FormatException($"comparator '{unfit.Comparator}' holds {unfit.NullSuccesses.Count} null counts for {calibration.NullModels.Count} null models");
    }
}
