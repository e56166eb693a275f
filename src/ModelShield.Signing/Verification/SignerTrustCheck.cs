using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ModelShield.Errors;
using ModelShield.Signing.Oms;
using ModelShield.Signing.Trust;

namespace ModelShield.Signing.Verification;

/// <summary>
/// Decides which keys may have signed: for the key method the trusted key the bundle names (a different key
/// is "wrong key"); for the certificate method the leaf, after its chain to a trusted root checks out at the
/// signing time (the timestamp's, else now). Allowed-signer rules narrow both.
/// </summary>
internal sealed class SignerTrustCheck : IVerificationCheck
{
    public bool Run(VerificationContext context) =>
        context.Bundle!.Method == SigningMethod.Key ? RunKey(context) : RunCertificate(context);

    private static bool RunKey(VerificationContext context)
    {
        var bundle = context.Bundle!;
        var policy = context.Policy;
        var trusted = policy.PublicKeys.Concat(policy.AllowedSigners.Where(s => s.PublicKey is not null).Select(s => s.PublicKey!)).ToList();
        if (policy.AllowedSigners.Count > 0)
        {
            trusted = trusted.Where(k => policy.AllowedSigners.Any(s => s.Matches(null, k))).ToList();
        }

        if (trusted.Count == 0)
        {
            context.Fail(ErrorCodes.SignerNotTrusted, "The bundle uses the key method, but the trust policy trusts no public key.");
            return false;
        }

        var candidates = trusted;
        if (!string.IsNullOrEmpty(bundle.PublicKeyHint))
        {
            candidates = trusted.Where(k => KeyAlgorithms.Hint(k).Equals(bundle.PublicKeyHint, StringComparison.OrdinalIgnoreCase)).ToList();
            if (candidates.Count == 0)
            {
                context.Fail(ErrorCodes.SignerNotTrusted, "Wrong key: the bundle was signed with a key that is not a trusted one.",
                    expected: string.Join(",", trusted.Select(KeyAlgorithms.Hint)), actual: bundle.PublicKeyHint);
                return false;
            }
        }
        else if (bundle.PublicKeyRawBytes is { } raw)
        {
            using var named = ImportKey(raw);
            candidates = trusted.Where(k => KeyAlgorithms.SameKey(k, named)).ToList();
            if (candidates.Count == 0)
            {
                context.Fail(ErrorCodes.SignerNotTrusted, "Wrong key: the bundle names a public key that is not a trusted one.",
                    expected: string.Join(",", trusted.Select(KeyAlgorithms.Hint)), actual: KeyAlgorithms.Hint(named));
                return false;
            }
        }

        context.CandidateKeys.AddRange(candidates);
        return true;
    }

    private static bool RunCertificate(VerificationContext context)
    {
        try
        {
            return CheckCertificate(context);
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException)
        {
            // Certificates are decoded lazily: a damaged key, name or extension may surface at any step; a key on a
            // curve the platform does not know is PlatformNotSupportedException.
            throw SigstoreBundle.Malformed($"a certificate of x509CertificateChain cannot be read ({ex.Message})");
        }
    }

    private static bool CheckCertificate(VerificationContext context)
    {
        var policy = context.Policy;
        foreach (var der in context.Bundle!.Certificates)
        {
            context.BundleCertificates.Add(X509CertificateLoader.LoadCertificate(der));
        }

        var leaf = context.BundleCertificates[0];
        context.Leaf = leaf;
        context.Signer = leaf.Subject;
        var key = leaf.GetECDsaPublicKey();
        if (key is null)
        {
            context.Fail(ErrorCodes.AlgorithmNotAllowed, $"The signing certificate '{leaf.Subject}' does not hold an EC key (P-256, P-384 or P-521).");
            return false;
        }

        var at = context.SignedAt ?? DateTimeOffset.UtcNow;
        var extra = context.BundleCertificates.Skip(1).Concat(policy.Intermediates);
        var issue = ChainValidator.Check(leaf, extra, policy.Roots, at, ChainValidator.CodeSigningOid, policy.AllowCaSigningCertificate, "Signing certificate");
        if (issue is not null)
        {
            context.Issues.Add(issue);
            return false;
        }

        if (policy.AllowedSigners.Count > 0 && !policy.AllowedSigners.Any(s => s.Matches(leaf, key)))
        {
            context.Fail(ErrorCodes.SignerNotTrusted, $"The signing certificate '{leaf.Subject}' chains to a trusted root but matches none of the policy's allowed signers.",
                actual: Convert.ToHexStringLower(leaf.GetCertHash(HashAlgorithmName.SHA256)));
            return false;
        }

        context.CandidateKeys.Add(key);
        return true;
    }

    private static ECDsa ImportKey(byte[] raw)
    {
        var key = ECDsa.Create();
        try
        {
            // Older reference bundles put the PEM text itself in rawBytes; the protobuf spec says DER.
            var text = Encoding.ASCII.GetString(raw);
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(raw, out _);
            }

            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or PlatformNotSupportedException)
        {
            key.Dispose();
            throw SigstoreBundle.Malformed($"publicKey.rawBytes is not a public key ({ex.Message})");
        }
    }
}
