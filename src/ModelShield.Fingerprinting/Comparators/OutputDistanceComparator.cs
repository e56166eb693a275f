using ModelShield.Fingerprinting.Queries;

namespace ModelShield.Fingerprinting.Comparators;

/// <summary>
/// Output distance on real samples ("dark knowledge"): a student distilled from the owner's outputs is trained to
/// reproduce the owner's whole probability vector on real inputs, including how it ranks the unlikely classes, so
/// on real samples its outputs stay close to the owner's even where its labels differ. One trial per real-sample
/// query (<see cref="QueryKinds.RealSamples"/>): the distance between the suspect's and the owner's log-probability
/// vectors, each centred on its mean (so a change of temperature or a shift of the logits moves it little); the trial
/// succeeds when that distance is at most a threshold set at the <see cref="NullQuantile"/> quantile of the null
/// models' distances on the same queries. The score is the share of trials within the threshold.
/// </summary>
internal sealed class OutputDistanceComparator : IFingerprintComparator
{
    public const string ComparatorId = "output-distance";

    /// <summary>The null quantile of the threshold: one null answer in ten is that close to the owner's.</summary>
    public const double NullQuantile = 0.1;

    /// <summary>Probabilities are floored here before the logarithm, so that a zero from a saturated softmax stays finite.</summary>
    public const double ProbabilityFloor = 1e-6;

    public string Id => ComparatorId;

    public string Description => "distance of the suspect's log-probabilities from the owner's on real samples (misclassified and natural queries)";

    public bool NeedsProbabilities => true;

    public double? FitTrialThreshold(QuerySet queries, QueryAnswers owner, IReadOnlyList<QueryAnswers> nullAnswers)
    {
        var rows = Rows(queries, owner.Count);
        return EmpiricalQuantile.Of(nullAnswers.Where(n => n.Probabilities is not null).SelectMany(n => rows.Select(r => Distance(owner.Row(r), n.Row(r)))), NullQuantile);
    }

    public ComparatorOutcome Compare(QuerySet queries, QueryAnswers owner, QueryAnswers suspect, double? trialThreshold)
    {
        if (suspect.Probabilities is null)
        {
            return new ComparatorOutcome(0, 0, 0, "the suspect answers labels only");
        }

        var rows = Rows(queries, Math.Min(owner.Count, suspect.Count));
        if (rows.Count == 0)
        {
            return new ComparatorOutcome(0, 0, 0, "no real-sample (misclassified or natural) query was answered");
        }

        var threshold = trialThreshold ?? throw new InvalidOperationException("The output-distance comparator needs its calibrated threshold.");
        var close = rows.Count(r => Distance(owner.Row(r), suspect.Row(r)) <= threshold);
        return new ComparatorOutcome(rows.Count, close, (double)close / rows.Count);
    }

    /// <summary>Euclidean distance between the two vectors' floored log-probabilities, each centred on its own mean.</summary>
    internal static double Distance(ReadOnlySpan<float> owner, ReadOnlySpan<float> suspect)
    {
        var n = owner.Length;
        double meanOwner = 0, meanSuspect = 0;
        for (var k = 0; k < n; k++)
        {
            meanOwner += Log(owner[k]);
            meanSuspect += Log(suspect[k]);
        }

        meanOwner /= n;
        meanSuspect /= n;
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            var d = (Log(owner[k]) - meanOwner) - (Log(suspect[k]) - meanSuspect);
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    private static double Log(float p) => Math.Log(Math.Max(p, ProbabilityFloor));

    private static List<int> Rows(QuerySet queries, int answered) =>
        Enumerable.Range(0, answered).Where(i => QueryKinds.RealSamples.Contains(queries.Kinds[i])).ToList();
}
