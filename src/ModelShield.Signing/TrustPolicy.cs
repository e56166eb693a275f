using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModelShield.Signing.Trust;

namespace ModelShield.Signing;

/// <summary>
/// What a verifier trusts and requires: trusted keys and certificate roots, allowed signers, methods and
/// algorithms, whether an RFC 3161 timestamp is required, and which paths may stay unsigned. The defaults
/// are strict: no unsigned file is tolerated and only SHA-256 resources are accepted.
/// Read from JSON with <see cref="Load"/> (format: docs/trust-policy.md).
/// </summary>
public sealed record TrustPolicy
{
    /// <summary>Certificates trusted as roots for the certificate method (and, by default, for timestamp authorities).</summary>
    public IReadOnlyList<X509Certificate2> Roots { get; init; } = [];

    /// <summary>Extra intermediate certificates used to build chains (bundles usually carry their own).</summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; init; } = [];

    /// <summary>Public keys trusted for the key method.</summary>
    public IReadOnlyList<ECDsa> PublicKeys { get; init; } = [];

    /// <summary>When not empty, the signer must match at least one of these rules.</summary>
    public IReadOnlyList<AllowedSigner> AllowedSigners { get; init; } = [];

    /// <summary>Signing methods accepted.</summary>
    public IReadOnlySet<SigningMethod> AllowedMethods { get; init; } = new HashSet<SigningMethod> { SigningMethod.Key, SigningMethod.Certificate };

    /// <summary>Resource hash algorithms accepted (OMS <c>hash_type</c>).</summary>
    public IReadOnlySet<string> AllowedHashAlgorithms { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "sha256" };

    /// <summary>Serializations accepted: <c>files</c>, <c>shards</c>.</summary>
    public IReadOnlySet<string> AllowedSerializations { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "files", "shards" };

    /// <summary>Whether bundles with the legacy predicate of model_signing v0.2 are accepted.</summary>
    public bool AllowLegacyPredicate { get; init; } = true;

    /// <summary>Whether a verified RFC 3161 timestamp (in the detached CMS signature) is required.</summary>
    public bool RequireTimestamp { get; init; }

    /// <summary>Roots trusted for timestamp authorities; when empty, <see cref="Roots"/> are used.</summary>
    public IReadOnlyList<X509Certificate2> TimestampRoots { get; init; } = [];

    /// <summary>Paths relative to the model root (files or folders) that may be on disk without being signed.</summary>
    public IReadOnlyList<string> UnsignedPathsAllowed { get; init; } = [];

    /// <summary>
    /// Whether a signing certificate flagged as a CA is accepted. The reference implementation accepts it
    /// (its own test certificates are such), so the default does; a stricter policy turns this off.
    /// </summary>
    public bool AllowCaSigningCertificate { get; init; } = true;

    /// <summary>The strict default: trusts nothing until keys or roots are added.</summary>
    public static TrustPolicy Strict { get; } = new();

    /// <summary>A strict policy trusting one public key with the key method only.</summary>
    public static TrustPolicy ForPublicKeys(IEnumerable<ECDsa> keys) => new()
    {
        PublicKeys = keys.ToList(),
        AllowedMethods = new HashSet<SigningMethod> { SigningMethod.Key },
    };

    /// <summary>A strict policy trusting certificate chains to these roots with the certificate method only.</summary>
    public static TrustPolicy ForRoots(IEnumerable<X509Certificate2> roots) => new()
    {
        Roots = roots.ToList(),
        AllowedMethods = new HashSet<SigningMethod> { SigningMethod.Certificate },
    };

    /// <summary>Reads a policy file; relative paths inside it are resolved against the file's folder.</summary>
    public static TrustPolicy Load(string path) => TrustPolicyReader.Read(path);
}
