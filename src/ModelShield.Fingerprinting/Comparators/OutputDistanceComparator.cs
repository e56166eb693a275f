using ModelShield.Fingerprinting.Queries;

namespace ModelShield.Fingerprinting.Comparators;

/// <summary>
/// Output distance on real samples ("dark knowledge"): a student distilled from the owner's outputs is trained to
/// reproduce the owner's whole probability vector on real inputs, including how it ranks the unlikely classes, so
/// on real samples its outputs stay close to the owner's even where its labels differ. One trial per real-sample
/// query (<see cref="QueryKinds.RealSamples"/>): the distance between the suspect's and the owner's log-probability
/// vectors, each floored and centred on its mean (so a change of temperature or a shift of the logits moves it
/// little); the trial succeeds when that distance is at most a threshold set at the <see cref="NullQuantile"/> quantile
/// of the null models' distances on the same queries. The score is the share of trials within the threshold.
/// Two instances differ in the floor, that is in how deep into the unlikely classes they look: <see cref="Default"/>
/// at 1e-6, and <see cref="Tail"/> at 1e-10, where a confident model's unlikely classes still differ (docs/fingerprints.md,
/// Comparators).
/// </summary>
internal sealed class OutputDistanceComparator : IFingerprintComparator
{
    public const string ComparatorId = "output-distance";

    public const string TailComparatorId = "output-distance/tail";

    /// <summary>The null quantile of the threshold: one null answer in ten is that close to the owner's.</summary>
    public const double NullQuantile = 0.1;

    /// <summary>The distance over the classes down to probability 1e-6.</summary>
    public static OutputDistanceComparator Default { get; } = new(ComparatorId, 1e-6, "distance of the suspect's log-probabilities from the owner's on real samples (misclassified and natural queries)");

    /// <summary>
    /// The distance down to probability 1e-10: a confident model (a CNN) puts most classes below 1e-6, where
    /// <see cref="Default"/> sees them all as equal, so models of one architecture look alike there; further down a student
    /// still follows the owner's ranking of those classes and an independent model does not.
    /// </summary>
    public static OutputDistanceComparator Tail { get; } = new(TailComparatorId, 1e-10, "distance of the suspect's log-probabilities from the owner's on real samples, down to probability 1e-10 (the unlikely classes)");

    private OutputDistanceComparator(string id, double probabilityFloor, string description)
    {
        Id = id;
        ProbabilityFloor = probabilityFloor;
        Description = description;
    }

    public string Id { get; }

    public string Description { get; }

    /// <summary>Probabilities are floored here before the logarithm, so that a zero from a saturated softmax stays finite.</summary>
    public double ProbabilityFloor { get; }

    public bool NeedsProbabilities => true;

    public double? FitTrialThreshold(QuerySet queries, QueryAnswers owner, IReadOnlyList<QueryAnswers> nullAnswers)
    {
        var rows = Rows(queries, owner.Count);
        return EmpiricalQuantile.Of(nullAnswers.Where(n => n.Probabilities is not null).SelectMany(n => rows.Select(r => Distance(owner.Row(r), n.Row(r), ProbabilityFloor))), NullQuantile);
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

        var threshold = trialThreshold ?? throw new InvalidOperationException($"The {Id} comparator needs its calibrated threshold.");
        var close = rows.Count(r => Distance(owner.Row(r), suspect.Row(r), ProbabilityFloor) <= threshold);
        return new ComparatorOutcome(rows.Count, close, (double)close / rows.Count);
    }

    /// <summary>Euclidean distance between the two vectors' log-probabilities, floored at <paramref name="floor"/>, each centred on its own mean.</summary>
    internal static double Distance(ReadOnlySpan<float> owner, ReadOnlySpan<float> suspect, double floor)
    {
        var n = owner.Length;
        double meanOwner = 0, meanSuspect = 0;
        for (var k = 0; k < n; k++)
        {
            meanOwner += Log(owner[k], floor);
            meanSuspect += Log(suspect[k], floor);
        }

        meanOwner /= n;
        meanSuspect /= n;
        var sum = 0.0;
        for (var k = 0; k < n; k++)
        {
            var d = (Log(owner[k], floor) - meanOwner) - (Log(suspect[k], floor) - meanSuspect);
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }

    private static double Log(float p, double floor) => Math.Log(Math.Max(p, floor));

    private static List<int> Rows(QuerySet queries, int answered) =>
        Enumerable.Range(0, answered).Where(i => QueryKinds.RealSamples.Contains(queries.Kinds[i])).ToList();
}
