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

    /// <summary>The kinds, in the order a query set lists their shares.</summary>
    public static IReadOnlyList<string> All { get; } = [Misclassified, Mix, Boundary];
}
