using ModelShield.Fingerprinting.Queries;

namespace ModelShield.Fingerprinting.Comparators;

/// <summary>
/// Label agreement: one trial per query answered, a success when the suspect gives the owner model's label. Works
/// with labels-only endpoints. The queries are ones the owner's model answers idiosyncratically (its mistakes, mixes,
/// points just across its boundary), so agreement well above the null models' rate means shared decisions.
/// </summary>
internal sealed class LabelAgreementComparator : IFingerprintComparator
{
    public const string ComparatorId = "label-agreement";

    public string Id => ComparatorId;

    public string Description => "share of queries the suspect labels as the owner's model does";

    public bool NeedsProbabilities => false;

    public double? FitTrialThreshold(QuerySet queries, QueryAnswers owner, IReadOnlyList<QueryAnswers> nullAnswers) => null;

    public ComparatorOutcome Compare(QuerySet queries, QueryAnswers owner, QueryAnswers suspect, double? trialThreshold)
    {
        var trials = Math.Min(suspect.Count, owner.Count);
        var agree = 0;
        for (var i = 0; i < trials; i++)
        {
            agree += suspect.Labels[i] == owner.Labels[i] ? 1 : 0;
        }

        return new ComparatorOutcome(trials, agree, trials == 0 ? 0 : (double)agree / trials);
    }
}
