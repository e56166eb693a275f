namespace ModelShield.Signing;

/// <summary>
/// The outcome of verifying a model against its signature under a trust policy. <see cref="Verified"/> is true
/// only when every check ran and none found an issue; <see cref="Issues"/> lists every failure in check order.
/// </summary>
public sealed record VerificationResult
{
    /// <summary>True when the signature, the signer, the statement and every file check out.</summary>
    public bool Verified => Issues.Count == 0;

    /// <summary>Every failure found, in the order the checks ran.</summary>
    public required IReadOnlyList<VerificationIssue> Issues { get; init; }

    /// <summary>The model that was checked (a file or folder, full path).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The signature bundle that was checked (full path).</summary>
    public required string SignaturePath { get; init; }

    /// <summary>The bundle's signing method, once the bundle could be read.</summary>
    public SigningMethod? Method { get; init; }

    /// <summary>Who signed: the certificate subject, or the public key's hint (SHA-256 of its PEM).</summary>
    public string? Signer { get; init; }

    /// <summary>The statement's predicate type (OMS v1.0, or the legacy v0.1 one).</summary>
    public string? PredicateType { get; init; }

    /// <summary>The serialization the signer used: files or shards.</summary>
    public string? Serialization { get; init; }

    /// <summary>How many resources (files, or shards) the statement lists.</summary>
    public int ResourceCount { get; init; }

    /// <summary>How many files on disk were hashed and matched their signed digests.</summary>
    public int FilesVerified { get; init; }

    /// <summary>The signing time proven by a verified RFC 3161 timestamp, when the signature carries one.</summary>
    public DateTimeOffset? SignedAt { get; init; }

    /// <summary>The subject of the timestamp authority that proved <see cref="SignedAt"/>.</summary>
    public string? TimestampAuthority { get; init; }
}
