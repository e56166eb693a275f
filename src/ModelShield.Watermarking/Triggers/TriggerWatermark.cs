using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Watermarking.Triggers;

/// <summary>
/// The <c>triggers</c> scheme, black-box side: regenerate the secret trigger set from the kit and test a
/// suspect's answers to it. The owner's model was fine-tuned to answer each trigger with its keyed label
/// (see the lab's trigger embedding); a model that never saw the set matches each label with probability
/// 1 / classes, because the labels are uniform and independent of the inputs.
/// </summary>
public static class TriggerWatermark
{
    /// <summary>The scheme's stable id.</summary>
    public const string SchemeId = "triggers";

    /// <summary>Queries per request while testing (the test may stop between requests).</summary>
    public const int QueryBatch = 10;

    /// <summary>Makes the kit entry for a new trigger set (its inputs are regenerated from the kit, never stored).</summary>
    public static KitEntry NewEntry(string kind, int count, IReadOnlyList<int> inputShape, int classes) => new(
        Guid.NewGuid().ToString("D"),
        SchemeId,
        DateTimeOffset.UtcNow,
        ModelSha256: "",
        Summary: new JsonObject { ["kind"] = kind, ["triggers"] = count, ["classes"] = classes },
        Secret: new JsonObject
        {
            ["kind"] = kind,
            ["count"] = count,
            ["classes"] = classes,
            ["inputShape"] = new JsonArray(inputShape.Select(d => (JsonNode)d).ToArray()),
        });

    /// <summary>Regenerates the trigger set an entry describes.</summary>
    public static TriggerSet Regenerate(OwnerKit kit, KitEntry entry)
    {
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Scheme != SchemeId)
        {
            throw new ModelShieldException(ErrorCodes.KitEntryMissing, $"Kit entry {entry.Id} is a '{entry.Scheme}' entry, not a trigger set.");
        }

        var s = entry.Secret;
        try
        {
            return TriggerSet.Generate(
                kit.DeriveKey($"triggers/v1/{entry.Id}"),
                s["kind"]!.GetValue<string>(),
                s["count"]!.GetValue<int>(),
                s["inputShape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray(),
                s["classes"]!.GetValue<int>());
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or FormatException
            || (ex is ModelShieldException { Code: ErrorCodes.BadUsage }))
        {
            // A missing field, a value of another kind or range, or values Generate refuses: here they come from the kit.
            throw new ModelShieldException(ErrorCodes.MalformedKit, $"Kit entry {entry.Id} ({SchemeId}) is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Sends the triggers to the suspect in small batches and stops as soon as the verdict is settled (a curtailed
    /// exact binomial test), or when the suspect's query budget is spent. With <paramref name="stopEarly"/> false
    /// every trigger is sent (to measure trigger accuracy on all of them); the verdict is the same either way.
    /// </summary>
    public static async Task<TriggerDetection> DetectAsync(IPredictor suspect, TriggerSet triggers, ChanceRate chance, double alpha, int comparisons = 1, bool stopEarly = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(chance);
        var test = new CurtailedBinomialTest(triggers.Count, chance.Rate, alpha, comparisons, chance.IntraClassCorrelation);
        var before = suspect.QueriesSpent;
        var stoppedByBudget = false;
        var next = 0;
        while ((!stopEarly || !test.Decided) && next < triggers.Count)
        {
            var count = Math.Min(QueryBatch, triggers.Count - next);
            if (suspect.MaxQueries is long max && suspect.QueriesSpent + count > max)
            {
                count = (int)Math.Max(0, max - suspect.QueriesSpent);
                if (count == 0)
                {
                    stoppedByBudget = true;
                    break;
                }
            }

            var batch = triggers.Inputs.AsSpan(next * triggers.InputSize, count * triggers.InputSize).ToArray();
            var answers = await suspect.PredictAsync(batch, count, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < count && (!stopEarly || !test.Decided); i++)
            {
                test.Record(answers.Labels[i] == triggers.Labels[next + i]);
            }

            next += count;
        }

        var result = test.Trials == 0
            ? throw new ModelShieldException(ErrorCodes.BadUsage, "The query budget allows no trigger to be sent.")
            : test.Result(chance.Source);
        return new TriggerDetection(result, suspect.QueriesSpent - before, triggers.Count, stoppedByBudget, suspect.Description.Answers == AnswerKind.Labels);
    }

    /// <summary>
    /// The chance rate measured on null models: the one-sided 99.9 % Clopper-Pearson upper bound of their pooled match
    /// rate, widened by the design effect as for fingerprints (<see cref="NullRate"/>), never below 1 / classes; and,
    /// when the null models' matches spread more than one binomial's, the intra-class correlation that makes the test
    /// a beta-binomial (a suspect is compared with a population of independent models, not with one average model).
    /// </summary>
    public static ChanceRate MeasuredChanceRate(IReadOnlyList<int> matchesPerNullModel, int triggers, int classes)
    {
        ArgumentNullException.ThrowIfNull(matchesPerNullModel);
        var rate = NullRate.Measure(matchesPerNullModel, triggers, 0.999);
        return new ChanceRate(
            Math.Max(1.0 / classes, rate.Bound),
            $"measured: {rate.Describe(matchesPerNullModel.Count, "matches")} (at least 1/{classes})",
            matchesPerNullModel,
            NullRate.IntraClassCorrelationOf(matchesPerNullModel, triggers));
    }

    /// <summary>The analytic chance rate 1 / classes.</summary>
    public static ChanceRate AnalyticChanceRate(int classes) =>
        new(1.0 / classes, $"analytic: 1/{classes}, keyed labels are uniform and independent of the trigger inputs", []);
}

/// <summary>A chance rate and where it came from.</summary>
/// <param name="Rate">The mean chance a trigger is answered with its keyed label by an independent model.</param>
/// <param name="Source">Where the rate comes from, in words.</param>
/// <param name="NullMatches">Each null model's matches, when measured; empty when analytic.</param>
/// <param name="IntraClassCorrelation">How much one independent model's matches hang together (0 when analytic: a binomial test).</param>
public sealed record ChanceRate(double Rate, string Source, IReadOnlyList<int> NullMatches, double IntraClassCorrelation = 0)
{
    /// <summary>The full-length test of <paramref name="matches"/> among <paramref name="triggers"/> at this rate.</summary>
    public HypothesisTest Test(int triggers, int matches, int comparisons, double alpha) =>
        HypothesisTest.OverdispersedBinomial(triggers, matches, Rate, Source, IntraClassCorrelation, comparisons, alpha);
}

/// <summary>The outcome of a trigger-set test.</summary>
/// <param name="Test">The (possibly curtailed) exact binomial test.</param>
/// <param name="QueriesSpent">Rows sent to the suspect.</param>
/// <param name="Triggers">Size of the trigger set.</param>
/// <param name="StoppedByBudget">True when --max-queries ended the test before its verdict was settled.</param>
/// <param name="LabelsOnly">True when the suspect answers with labels only (no difference for this test).</param>
public sealed record TriggerDetection(HypothesisTest Test, long QueriesSpent, int Triggers, bool StoppedByBudget, bool LabelsOnly)
{
    /// <summary>Fraction of the triggers sent that the suspect answered with their keyed label.</summary>
    public double TriggerAccuracy => Test.Trials == 0 ? 0 : (double)Test.Successes / Test.Trials;

    /// <summary>True when the test rejects independence at its level.</summary>
    public bool Detected => Test.Rejected;
}
