using ModelShield.Fingerprinting.Queries;

namespace ModelShield.Fingerprinting.Comparators;

/// <summary>
/// Label agreement: one trial per query answered (of one kind, or of every labelled kind), a success when the suspect gives
/// the owner model's label. Works with labels-only endpoints. The queries are ones the owner's model answers
/// idiosyncratically (its mistakes, mixes, points just across its boundary), so agreement well above the null
/// models' rate means shared decisions. Independent models agree far less often on some kinds than on others (rarely
/// on boundary points, often on mixes), so each kind also gets its own test with its own measured chance rate: a
/// strong signal on one kind is not diluted by the others. Natural queries are left out: they are not chosen for
/// their labels, and most models label most real samples alike.
/// </summary>
internal sealed class LabelAgreementComparator(string? kind) : IFingerprintComparator
{
    public const string ComparatorId = "label-agreement";

    public string Id => kind is null ? ComparatorId : $"{ComparatorId}/{kind}";

    public string Description => kind is null
        ? "share of the labelled queries (misclassified, mix, boundary) the suspect labels as the owner's model does"
        : $"share of the {kind} queries the suspect labels as the owner's model does";

    public bool NeedsProbabilities => false;

    public double? FitTrialThreshold(QuerySet queries, QueryAnswers owner, IReadOnlyList<QueryAnswers> nullAnswers) => null;

    public ComparatorOutcome Compare(QuerySet queries, QueryAnswers owner, QueryAnswers suspect, double? trialThreshold)
    {
        var rows = Enumerable.Range(0, Math.Min(suspect.Count, owner.Count)).Where(i => kind is null ? QueryKinds.Labelled.Contains(queries.Kinds[i]) : queries.Kinds[i] == kind).ToList();
        if (rows.Count == 0)
        {
            return new ComparatorOutcome(0, 0, 0, $"no {kind} query was answered");
        }

        var agree = rows.Count(i => suspect.Labels[i] == owner.Labels[i]);
        return new ComparatorOutcome(rows.Count, agree, (double)agree / rows.Count);
    }
}
