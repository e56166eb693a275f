namespace ModelShield.Fingerprinting.Queries;

/// <summary>
/// How a query was made. Each kind is chosen because independent models tend to answer it differently from the
/// owner's model while copies keep the owner's answer.
/// </summary>
public static class QueryKinds
{
    /// <summary>An owner sample the owner's model gets wrong: a copy inherits the mistake, an independent model makes its own (or none).</summary>
    public const string Misclassified = "misclassified";

    /// <summary>A CutMix-style mix of two owner samples of different classes: off the data manifold, where models trained apart differ most.</summary>
    public const string Mix = "mix";

    /// <summary>An owner sample pushed with the owner model's gradients just across its decision boundary (IPGuard-style).</summary>
    public const string Boundary = "boundary";

    /// <summary>
    /// An owner sample drawn at random, not selected: on real inputs a distilled student reproduces the owner's whole
    /// output distribution (the "dark knowledge" it was trained to match), which independent models do not share.
    /// </summary>
    public const string Natural = "natural";

    /// <summary>The kinds, in the order a query set lists their shares.</summary>
    public static IReadOnlyList<string> All { get; } = [Misclassified, Mix, Boundary, Natural];

    /// <summary>The kinds chosen for how the owner labels them, which the label-agreement tests read.</summary>
    public static IReadOnlyList<string> Labelled { get; } = [Misclassified, Mix, Boundary];

    /// <summary>The kinds that are real samples (not made inputs), which the output-distance test reads.</summary>
    public static IReadOnlyList<string> RealSamples { get; } = [Misclassified, Natural];
}
