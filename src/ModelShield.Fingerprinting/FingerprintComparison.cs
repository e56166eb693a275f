using System.Globalization;
using ModelShield.Errors;
using ModelShield.Fingerprinting.Comparators;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Fingerprinting;

/// <summary>One comparator's test of a suspect.</summary>
/// <param name="Comparator">The comparator's id.</param>
/// <param name="Description">What it compares.</param>
/// <param name="NotRunReason">Why it did not run (labels-only suspect, budget); null when it ran.</param>
/// <param name="Score">Its similarity score (agreement rate, matrix correlation).</param>
/// <param name="TrialThreshold">The per-trial threshold fitted on the null models, when it has one.</param>
/// <param name="Test">The test against the null models' chance rate and spread (beta-binomial, or exact binomial when they spread no more than a binomial; Bonferroni over the comparators run); null when it did not run.</param>
/// <param name="SuccessesNeeded">Successes the test needs to reject: the calibrated decision threshold.</param>
/// <param name="NullFalsePositives">Null models this test rejects at the same level (from the calibration).</param>
/// <param name="NullModels">Null models calibrated on.</param>
/// <param name="IsClone">True when the test rejects independence.</param>
public sealed record ComparatorResult(
    string Comparator,
    string Description,
    string? NotRunReason,
    double Score,
    double? TrialThreshold,
    HypothesisTest? Test,
    int? SuccessesNeeded,
    int NullFalsePositives,
    int NullModels,
    bool IsClone);

/// <summary>The outcome of comparing a suspect with a fingerprint.</summary>
/// <param name="EntryId">The kit entry compared with.</param>
/// <param name="IsClone">The verdict: true when any comparator that ran rejects independence.</param>
/// <param name="Alpha">The family-wise level, divided among the comparators run.</param>
/// <param name="ComparatorsRun">The Bonferroni factor.</param>
/// <param name="QueriesSpent">Rows sent to the suspect.</param>
/// <param name="QueriesRecorded">Queries in the fingerprint.</param>
/// <param name="LabelsOnly">True when the suspect answered labels only.</param>
/// <param name="NullFalsePositives">Null models that the whole decision (any comparator run) would call clones.</param>
/// <param name="NullModels">Null models calibrated on.</param>
/// <param name="Comparators">Each comparator's result.</param>
/// <param name="AgreementByKind">Label agreement on each kind of query answered: which kinds told the suspect apart.</param>
/// <param name="Notes">What weakens the answer (labels only, a query budget), in words.</param>
public sealed record FingerprintComparison(
    string EntryId,
    bool IsClone,
    double Alpha,
    int ComparatorsRun,
    long QueriesSpent,
    int QueriesRecorded,
    bool LabelsOnly,
    int NullFalsePositives,
    int NullModels,
    IReadOnlyList<ComparatorResult> Comparators,
    IReadOnlyDictionary<string, KindAgreement> AgreementByKind,
    IReadOnlyList<string> Notes)
{
    /// <summary>"clone" or "independent".</summary>
    public string Verdict => IsClone ? "clone" : "independent";

    /// <summary>
    /// Sends the fingerprint's queries to the suspect (as many as its query budget allows, in the recorded order)
    /// and tests its answers with every comparator that can run on them.
    /// </summary>
    public static async Task<FingerprintComparison> CompareAsync(IPredictor suspect, Fingerprint fingerprint, double alpha = HypothesisTest.DefaultAlpha, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(fingerprint);
        var ci = CultureInfo.InvariantCulture;
        var queries = fingerprint.Queries;
        var count = queries.Count;
        if (suspect.MaxQueries is long max)
        {
            count = (int)Math.Min(count, Math.Max(0, max - suspect.QueriesSpent));
        }

        if (count == 0)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "The query budget allows no fingerprint query to be sent.");
        }

        var before = suspect.QueriesSpent;
        var answers = await QueryAnswers.AskAsync(suspect, queries, count, fingerprint.Classes, cancellationToken).ConfigureAwait(false);
        var labelsOnly = answers.Probabilities is null;
        var notes = new List<string>();
        if (count < queries.Count)
        {
            notes.Add(string.Create(ci, $"the query budget allowed {count} of {queries.Count} queries: fewer trials, less power; the null models' false-positive counts are for all {queries.Count}"));
        }

        if (labelsOnly)
        {
            var needScores = string.Join(", ", ComparatorRegistry.All.Where(c => c.NeedsProbabilities).Select(c => c.Id));
            notes.Add($"the suspect answers labels only: the comparators that need probabilities ({needScores}) cannot run, so the verdict rests on label agreement alone; copies whose labels drift while their output structure stays (distillation above all) are more likely to be missed, while the false-positive guarantee is unchanged");
        }

        var outcomes = ComparatorRegistry.All
            .Select(c => (Comparator: c, Calibration: fingerprint.Calibration.For(c.Id)))
            .Select(x => (x.Comparator, x.Calibration, Outcome: x.Calibration is null
                ? new ComparatorOutcome(0, 0, 0, "the kit holds no calibration for it")
                : x.Comparator.Compare(queries, fingerprint.Owner, answers, x.Calibration.TrialThreshold)))
            .ToList();
        var run = outcomes.Count(o => o.Outcome.NotRunReason is null && o.Outcome.Trials > 0);
        if (run == 0)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintIncompatible, "No comparator can run on the suspect's answers.");
        }

        var nullCount = fingerprint.Calibration.NullModels.Count;
        var nullClones = new bool[nullCount];
        var results = new List<ComparatorResult>();
        foreach (var (comparator, calibration, outcome) in outcomes)
        {
            if (outcome.NotRunReason is not null || outcome.Trials == 0 || calibration is null)
            {
                results.Add(new ComparatorResult(comparator.Id, comparator.Description, outcome.NotRunReason ?? "no trials", 0, calibration?.TrialThreshold, null, null, 0, nullCount, false));
                continue;
            }

            var test = calibration.Test(outcome.Trials, outcome.Successes, run, alpha);

            // The same test on each null model's recorded answers: the empirical false positives beside the analytic p-value.
            var falsePositives = 0;
            for (var i = 0; i < nullCount; i++)
            {
                var nullTest = calibration.Test(calibration.TrialsPerModel, calibration.NullSuccesses[i], run, alpha);
                falsePositives += nullTest.Rejected ? 1 : 0;
                nullClones[i] |= nullTest.Rejected;
            }

            results.Add(new ComparatorResult(comparator.Id, comparator.Description, null, outcome.Score, calibration.TrialThreshold, test, test.CriticalSuccesses, falsePositives, nullCount, test.Rejected));
        }

        return new FingerprintComparison(
            fingerprint.EntryId,
            results.Any(r => r.IsClone),
            alpha,
            run,
            suspect.QueriesSpent - before,
            queries.Count,
            labelsOnly,
            nullClones.Count(c => c),
            nullCount,
            results,
            QueryKinds.All.ToDictionary(k => k, k => KindAgreement.Of(queries, fingerprint.Owner, answers, k)),
            notes);
    }
}

/// <summary>How many queries of one kind the suspect labelled as the owner's model did.</summary>
/// <param name="Agreed">Queries answered with the owner's label.</param>
/// <param name="Queries">Queries of the kind answered.</param>
public sealed record KindAgreement(int Agreed, int Queries)
{
    internal static KindAgreement Of(QuerySet queries, QueryAnswers owner, QueryAnswers suspect, string kind)
    {
        var rows = queries.IndicesOf(kind).Where(i => i < suspect.Count).ToList();
        return new KindAgreement(rows.Count(i => suspect.Labels[i] == owner.Labels[i]), rows.Count);
    }
}
