using System.Security.Cryptography;

namespace ModelShield.IO;

/// <summary>The SHA-256 of a file, streamed (never read whole), as lowercase hex: how reports and manifests name exact bytes.</summary>
public static class FileDigest
{
    /// <summary>The file's SHA-256 (lowercase hex) and its length in bytes.</summary>
    public static (string Sha256, long Bytes) Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return (Convert.ToHexStringLower(SHA256.HashData(stream)), stream.Length);
    }
}
