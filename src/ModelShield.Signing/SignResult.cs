namespace ModelShield.Signing;

/// <summary>What <see cref="ModelSigner.Sign"/> wrote.</summary>
public sealed record SignResult
{
    /// <summary>The bundle written (full path).</summary>
    public required string SignaturePath { get; init; }

    /// <summary>The detached CMS signature written, when asked for.</summary>
    public string? CmsPath { get; init; }

    /// <summary>The signing method used.</summary>
    public required SigningMethod Method { get; init; }

    /// <summary>files or shards.</summary>
    public required string Serialization { get; init; }

    /// <summary>How many files were signed.</summary>
    public required int Files { get; init; }

    /// <summary>How many resources the statement lists (files, or shards).</summary>
    public required int Resources { get; init; }

    /// <summary>Total bytes hashed.</summary>
    public required long Bytes { get; init; }

    /// <summary>The statement's subject digest (hex).</summary>
    public required string SubjectDigest { get; init; }

    /// <summary>Paths recorded as ignored, relative to the model root.</summary>
    public required IReadOnlyList<string> IgnorePaths { get; init; }
}
