namespace ModelShield.Signing;

/// <summary>What to verify; see <see cref="ModelVerifier.Verify(VerifyRequest)"/>.</summary>
public sealed record VerifyRequest
{
    /// <summary>A model file or folder, as the shell sees it.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The bundle; default <c>model.sig</c> where <see cref="ModelSigner"/> puts it.</summary>
    public string? SignaturePath { get; init; }

    /// <summary>What is trusted and required.</summary>
    public required TrustPolicy Policy { get; init; }

    /// <summary>Extra paths (as the shell sees them) to leave out, on top of the bundle's signed ignore paths.</summary>
    public IReadOnlyList<string> IgnorePaths { get; init; } = [];

    /// <summary>Tolerate files on disk that the signature does not cover.</summary>
    public bool IgnoreUnsignedFiles { get; init; }
}
