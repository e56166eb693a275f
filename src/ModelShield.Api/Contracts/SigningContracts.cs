using System.Text.Json;
using ModelShield.Signing;

namespace ModelShield.Api.Contracts;

/// <summary>What <c>POST /v1/sign</c> answers: the bundle to store beside the model (as <c>model.sig</c>) and what it covers.</summary>
/// <param name="KeyId">The key store entry that signed.</param>
/// <param name="Method">key or certificate.</param>
/// <param name="Serialization">files or shards.</param>
/// <param name="Files">Files signed.</param>
/// <param name="Resources">Resources the statement lists.</param>
/// <param name="Bytes">Bytes hashed.</param>
/// <param name="SubjectDigest">The statement's subject digest (hex SHA-256).</param>
/// <param name="IgnorePaths">Paths recorded as ignored.</param>
/// <param name="Bundle">The OMS v1.0 Sigstore bundle, as JSON.</param>
/// <param name="Cms">The detached CMS signature (<c>model.sig.p7s</c>), base64, when asked for.</param>
internal sealed record SignResponse(
    string KeyId, string Method, string Serialization, int Files, int Resources, long Bytes, string SubjectDigest,
    IReadOnlyList<string> IgnorePaths, JsonElement Bundle, string? Cms);

/// <summary>What <c>POST /v1/verify</c> answers: the verdict and every issue; a verdict against is still HTTP 200.</summary>
/// <param name="Verified">True when every check holds.</param>
/// <param name="Issues">Every failure, in check order (codes MS5xxx).</param>
/// <param name="Method">The bundle's signing method, once readable.</param>
/// <param name="Signer">Who signed (certificate subject or key hint).</param>
/// <param name="PredicateType">The statement's predicate type.</param>
/// <param name="Serialization">files or shards.</param>
/// <param name="ResourceCount">Resources the statement lists.</param>
/// <param name="FilesVerified">Files hashed and matched.</param>
/// <param name="SignedAt">The time a verified RFC 3161 timestamp proves.</param>
/// <param name="TimestampAuthority">Who proved <paramref name="SignedAt"/>.</param>
internal sealed record VerifyResponse(
    bool Verified, IReadOnlyList<VerificationIssue> Issues, string? Method, string? Signer, string? PredicateType, string? Serialization,
    int ResourceCount, int FilesVerified, DateTimeOffset? SignedAt, string? TimestampAuthority)
{
    /// <summary>The client's view of a verification result: no server path.</summary>
    public static VerifyResponse From(VerificationResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Verified, r.Issues, r.Method?.ToString().ToLowerInvariant(), r.Signer, r.PredicateType, r.Serialization,
            r.ResourceCount, r.FilesVerified, r.SignedAt, r.TimestampAuthority);
    }
}
