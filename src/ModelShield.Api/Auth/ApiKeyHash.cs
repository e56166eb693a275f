using System.Security.Cryptography;
using System.Text;

namespace ModelShield.Api.Auth;

/// <summary>
/// API keys: 256 random bits, shown once when made; the server keeps only their SHA-256. A fast hash is enough
/// because the key is random (no dictionary to try), unlike a password that would need a slow KDF.
/// </summary>
internal static class ApiKeyHash
{
    /// <summary>The prefix of every key, so that secret scanners and people recognise one.</summary>
    public const string Prefix = "msk_";

    /// <summary>A new random key.</summary>
    public static string NewKey() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>SHA-256 of the key's UTF-8 text.</summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The hash as configured: 64 lowercase hexadecimal digits.</summary>
    public static string HashHex(string key) => Convert.ToHexStringLower(Hash(key));

    /// <summary>True when <paramref name="text"/> is 64 hexadecimal digits.</summary>
    public static bool IsHash(string text) => text.Length == 64 && text.All(Uri.IsHexDigit);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
