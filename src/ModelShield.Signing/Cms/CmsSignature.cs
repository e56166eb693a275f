using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using ModelShield.Errors;
using ModelShield.Signing.Trust;

namespace ModelShield.Signing.Cms;

/// <summary>
/// A detached CMS SignedData over the bundle's in-toto statement, for PKI and legal use, optionally with an
/// RFC 3161 timestamp token (as the signer's signature-time-stamp unsigned attribute) proving when it existed.
/// </summary>
internal static class CmsSignature
{
    public const string TimestampTokenOid = "1.2.840.113549.1.9.16.2.14";

    /// <summary>Signs <paramref name="statement"/> with <paramref name="certificate"/> (holding its private key); asks <paramref name="timestampAuthority"/> for a token when given.</summary>
    public static byte[] Create(byte[] statement, X509Certificate2 certificate, IEnumerable<X509Certificate2> chain, Uri? timestampAuthority)
    {
        var cms = new SignedCms(new ContentInfo(statement), detached: true);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate)
        {
            IncludeOption = X509IncludeOption.EndCertOnly,
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
        };
        signer.Certificates.AddRange(chain.ToArray());
        signer.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
        cms.ComputeSignature(signer, silent: true);
        if (timestampAuthority is not null)
        {
            var signerInfo = cms.SignerInfos[0];
            var request = Rfc3161TimestampRequest.CreateFromSignerInfo(signerInfo, HashAlgorithmName.SHA256, nonce: RandomNumberGenerator.GetBytes(8), requestSignerCertificates: true);
            var answer = TimestampClient.Request(timestampAuthority, request.Encode());
            Rfc3161TimestampToken token;
            try
            {
                token = request.ProcessResponse(answer, out _);
            }
            catch (CryptographicException ex)
            {
                throw new ModelShieldException(ErrorCodes.TimestampAuthorityFailed, $"Timestamp authority {timestampAuthority} gave an unusable answer: {ex.Message}", ex);
            }

            signerInfo.AddUnsignedAttribute(new AsnEncodedData(TimestampTokenOid, token.AsSignedCms().Encode()));
        }

        return cms.Encode();
    }

    /// <summary>What a verified CMS signature proves.</summary>
    internal sealed record Outcome(X509Certificate2? Signer, DateTimeOffset? SignedAt, string? TimestampAuthority, IReadOnlyList<VerificationIssue> Issues);

    /// <summary>Verifies the CMS over <paramref name="statement"/> and its timestamp (authority chained to <paramref name="timestampRoots"/>).</summary>
    public static Outcome Verify(byte[] encoded, byte[] statement, IReadOnlyList<X509Certificate2> timestampRoots)
    {
        var cms = new SignedCms(new ContentInfo(statement), detached: true);
        X509Certificate2 signer;
        try
        {
            // Decoding is lazy: a damaged certificate or attribute surfaces as late as the signature check (a key on a
            // curve the platform does not know as PlatformNotSupportedException).
            cms.Decode(encoded);
            if (cms.SignerInfos.Count != 1 || cms.SignerInfos[0].Certificate is not { } certificate)
            {
                return Fail(ErrorCodes.CmsSignatureInvalid, "The detached CMS signature must have exactly one signer, with its certificate included.");
            }

            signer = certificate;
            cms.CheckSignature(verifySignatureOnly: true);
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException)
        {
            return Fail(ErrorCodes.CmsSignatureInvalid, $"The detached CMS signature cannot be read or does not verify over the bundle's statement: {ex.Message}");
        }

        try
        {
            return VerifyTimestamp(cms.SignerInfos[0], signer, timestampRoots);
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException)
        {
            return Fail(ErrorCodes.TimestampInvalid, $"The CMS signature's timestamp cannot be read: {ex.Message}");
        }
    }

    private static Outcome VerifyTimestamp(SignerInfo info, X509Certificate2 signer, IReadOnlyList<X509Certificate2> timestampRoots)
    {
        var attribute = info.UnsignedAttributes.Cast<CryptographicAttributeObject>().FirstOrDefault(a => a.Oid.Value == TimestampTokenOid);
        if (attribute is null)
        {
            return new Outcome(signer, null, null, []);
        }

        if (attribute.Values.Count != 1 || !Rfc3161TimestampToken.TryDecode(attribute.Values[0].RawData, out var token, out _))
        {
            return Fail(ErrorCodes.TimestampInvalid, "The CMS signature's timestamp token cannot be read.");
        }

        if (!token.VerifySignatureForSignerInfo(info, out var authority) || authority is null)
        {
            return Fail(ErrorCodes.TimestampInvalid, "The timestamp token does not verify, or does not cover this signature.");
        }

        var at = token.TokenInfo.Timestamp;
        var issue = ChainValidator.Check(authority, token.AsSignedCms().Certificates.Cast<X509Certificate2>(), timestampRoots, at,
            ChainValidator.TimeStampingOid, allowCaLeaf: false, "Timestamp authority");
        if (issue is not null)
        {
            return Fail(ErrorCodes.TimestampInvalid, $"The timestamp authority is not trusted: {issue.Message}");
        }

        return new Outcome(signer, at, authority.Subject, []);
    }

    private static Outcome Fail(string code, string message) => new(null, null, null, [new VerificationIssue(code, message)]);
}
