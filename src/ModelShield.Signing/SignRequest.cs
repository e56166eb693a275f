using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModelShield.Signing;

/// <summary>What to sign and how; see <see cref="ModelSigner.Sign"/>.</summary>
public sealed record SignRequest
{
    /// <summary>A model file or folder, as the shell sees it.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The EC private key (P-256, P-384 or P-521) that signs.</summary>
    public required ECDsa PrivateKey { get; init; }

    /// <summary>The signing certificate for the certificate method (its key must be <see cref="PrivateKey"/>); null for the key method.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>Intermediate certificates to embed after the leaf.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; init; } = [];

    /// <summary>Where to write the bundle; default <c>model.sig</c> in the model folder (beside a single file).</summary>
    public string? OutputPath { get; init; }

    /// <summary>Paths (as the shell sees them) inside the model to leave out; recorded relative to the model root.</summary>
    public IReadOnlyList<string> IgnorePaths { get; init; } = [];

    /// <summary>Use the OMS shards serialization, so that one large file is hashed by every core.</summary>
    public bool Shards { get; init; }

    /// <summary>Bytes per shard with <see cref="Shards"/>.</summary>
    public long ShardSize { get; init; } = Manifest.Serialization.DefaultShardSize;

    /// <summary>Also write a detached CMS SignedData (<c>SIG.p7s</c>) over the statement; needs <see cref="Certificate"/>.</summary>
    public bool Cms { get; init; }

    /// <summary>An RFC 3161 timestamp authority to timestamp the CMS signature.</summary>
    public Uri? TimestampAuthority { get; init; }

    /// <summary>Replace existing outputs.</summary>
    public bool Force { get; init; }
}
