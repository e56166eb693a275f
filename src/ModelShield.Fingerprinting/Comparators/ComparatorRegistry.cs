using ModelShield.Errors;
using ModelShield.Fingerprinting.Queries;

namespace ModelShield.Fingerprinting.Comparators;

/// <summary>The fingerprint comparators, by stable id.</summary>
public static class ComparatorRegistry
{
    /// <summary>Every comparator, in the order reports list them.</summary>
    public static IReadOnlyList<IFingerprintComparator> All { get; } =
    [
        new LabelAgreementComparator(null),
        .. QueryKinds.Labelled.Select(k => new LabelAgreementComparator(k)),
        OutputDistanceComparator.Default,
        OutputDistanceComparator.Tail,
    ];

    /// <summary>The comparator with this id; an unknown id is an error (MS7100) that lists the known ones.</summary>
    public static IFingerprintComparator Get(string id) =>
        All.FirstOrDefault(c => c.Id == id)
        ?? throw new ModelShieldException(ErrorCodes.UnknownComparator, $"Unknown fingerprint comparator '{id}'; known: {string.Join(", ", All.Select(c => c.Id))}.");
}
