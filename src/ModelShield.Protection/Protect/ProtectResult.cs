using ModelShield.Protection.Fingerprints;
using ModelShield.Protection.Watermarks;
using ModelShield.Signing;
using ModelShield.Training;

namespace ModelShield.Protection.Protect;

/// <summary>One file of the release.</summary>
/// <param name="Path">Relative to the release folder, with '/'.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its SHA-256 (lowercase hex).</param>
/// <param name="Role">model, external data, model card, kit commitment, signature, CMS signature.</param>
public sealed record ReleaseArtifact(string Path, long Bytes, string Sha256, string Role);

/// <summary>The commitment to the kit entries of a release, as written to <c>kit-commitment.json</c> (and signed with the release).</summary>
/// <param name="Format">The document's version URI.</param>
/// <param name="KitId">The kit's public id.</param>
/// <param name="Entries">The entry ids committed to, in order.</param>
/// <param name="Schemes">Their schemes, in the same order.</param>
/// <param name="Algorithm">How the digest is computed.</param>
/// <param name="Commitment">SHA-256 over the entries (lowercase hex).</param>
/// <param name="CreatedUtc">When it was written.</param>
public sealed record KitCommitment(string Format, string KitId, IReadOnlyList<string> Entries, IReadOnlyList<string> Schemes, string Algorithm, string Commitment, DateTimeOffset CreatedUtc)
{
    /// <summary>The file name in a release folder.</summary>
    public const string FileName = "kit-commitment.json";

    /// <summary>The format URI of this document.</summary>
    public const string FormatUri = "https://modelshield.dev/kit-commitment/v1";

    /// <summary>The digest algorithm, in words.</summary>
    public const string AlgorithmDescription = "sha256 over each entry's canonical JSON, each preceded by its length as a little-endian int64";
}

/// <summary>What protect did, in order, and where everything went.</summary>
/// <param name="OutputFolder">The release folder's full path.</param>
/// <param name="Model">The released model's full path.</param>
/// <param name="ModelSha256">Its SHA-256.</param>
/// <param name="Triggers">The trigger set embedded; null when no data was given or triggers were 0.</param>
/// <param name="Weights">The weight watermark embedded.</param>
/// <param name="Fingerprint">The fingerprint recorded.</param>
/// <param name="Fidelity">Test accuracy of the original and the release and their top-1 agreement; null without data.</param>
/// <param name="Commitment">The kit commitment written and signed.</param>
/// <param name="Signature">The signature over the release.</param>
/// <param name="Artifacts">Every file of the release.</param>
/// <param name="Skipped">Steps not taken, and why.</param>
/// <param name="Seconds">Wall-clock time.</param>
public sealed record ProtectResult(
    string OutputFolder,
    string Model,
    string ModelSha256,
    TriggerMarkResult? Triggers,
    WeightMarkResult Weights,
    FingerprintRecordResult Fingerprint,
    FidelityReport? Fidelity,
    KitCommitment Commitment,
    SignResult Signature,
    IReadOnlyList<ReleaseArtifact> Artifacts,
    IReadOnlyList<string> Skipped,
    double Seconds);
