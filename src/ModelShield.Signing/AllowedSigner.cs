using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModelShield.Signing;

/// <summary>
/// One signer a trust policy accepts. Every field that is set must match; a rule with no field set matches nothing.
/// </summary>
public sealed record AllowedSigner
{
    /// <summary>The certificate subject as a distinguished name, e.g. <c>CN=release, O=Example</c>.</summary>
    public string? Subject { get; init; }

    /// <summary>A subject alternative name the certificate must carry (DNS name, e-mail or URI).</summary>
    public string? SubjectAlternativeName { get; init; }

    /// <summary>The certificate's SHA-256 fingerprint in hex (colons and case ignored).</summary>
    public string? CertificateSha256 { get; init; }

    /// <summary>The signer's public key (key method, or the certificate's key).</summary>
    public ECDsa? PublicKey { get; init; }

    internal bool Matches(X509Certificate2? certificate, ECDsa key)
    {
        if (Subject is null && SubjectAlternativeName is null && CertificateSha256 is null && PublicKey is null)
        {
            return false;
        }

        if (PublicKey is not null && !Oms.KeyAlgorithms.SameKey(PublicKey, key))
        {
            return false;
        }

        if (Subject is null && SubjectAlternativeName is null && CertificateSha256 is null)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        if (Subject is not null && !new X500DistinguishedName(Subject).Name.Equals(certificate.SubjectName.Name, StringComparison.Ordinal))
        {
            return false;
        }

        if (CertificateSha256 is not null
            && !Convert.ToHexString(certificate.GetCertHash(HashAlgorithmName.SHA256)).Equals(CertificateSha256.Replace(":", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return SubjectAlternativeName is null || SubjectAlternativeNames(certificate).Contains(SubjectAlternativeName, StringComparer.Ordinal);
    }

    private static IEnumerable<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        var ext = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        if (ext is null)
        {
            yield break;
        }

        foreach (var dns in ext.EnumerateDnsNames())
        {
            yield return dns;
        }

        // E-mail and URI names are not exposed by the typed API; read them from the formatted text.
        foreach (var part in ext.Format(false).Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var cut = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
            if (cut > 0)
            {
                yield return part[(cut + 1)..];
            }
        }
    }
}
