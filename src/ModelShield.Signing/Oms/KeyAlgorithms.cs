using System.Security.Cryptography;
using System.Text;
using ModelShield.Errors;

namespace ModelShield.Signing.Oms;

/// <summary>The EC curves OMS allows, the hash each one calls for, and how a public key is named in a bundle.</summary>
internal static class KeyAlgorithms
{
    /// <summary>The curve's short name (P-256, P-384, P-521), or throws <see cref="ErrorCodes.AlgorithmNotAllowed"/>.</summary>
    public static string CurveName(ECDsa key) => key.ExportParameters(false).Curve.Oid.Value switch
    {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        var other => throw new ModelShieldException(ErrorCodes.AlgorithmNotAllowed, $"EC curve {other ?? "(unnamed)"} is not allowed; use P-256, P-384 or P-521."),
    };

    /// <summary>The hash the key's curve calls for: SHA-256, SHA-384 or SHA-512.</summary>
    public static HashAlgorithmName HashFor(ECDsa key) => CurveName(key) switch
    {
        "P-256" => HashAlgorithmName.SHA256,
        "P-384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    /// <summary>Lowercase hex SHA-256 of the key's SubjectPublicKeyInfo PEM text with a trailing newline: the bundle's <c>publicKey.hint</c>.</summary>
    public static string Hint(ECDsa key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(key.ExportSubjectPublicKeyInfoPem() + "\n")));

    /// <summary>True when both keys are the same public key.</summary>
    public static bool SameKey(ECDsa a, ECDsa b) =>
        a.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(b.ExportSubjectPublicKeyInfo());

    /// <summary>Signs the DSSE PAE with the key's hash, as a DER (RFC 3279) signature.</summary>
    public static byte[] Sign(ECDsa key, byte[] pae) => key.SignData(pae, HashFor(key), DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>Checks a DER signature over the DSSE PAE with the key's hash; a malformed signature is simply invalid.</summary>
    public static bool Verify(ECDsa key, byte[] pae, byte[] signature) => Verify(key, pae, signature, HashFor(key));

    /// <summary>Checks a DER signature over <paramref name="message"/> with the given hash.</summary>
    public static bool Verify(ECDsa key, byte[] message, byte[] signature, HashAlgorithmName hash) =>
        key.VerifyData(message, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
}
