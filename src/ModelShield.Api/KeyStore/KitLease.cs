using System.Security.Cryptography;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Api.KeyStore;

/// <summary>
/// A kit lent to one operation as a file (still encrypted, under a key only the store knows) with the secret that
/// opens it. Disposing deletes the file and lets the next operation on the same kit start.
/// </summary>
internal sealed class KitLease(string path, byte[] key, Action<byte[]> storeBack, SemaphoreSlim? gate) : IDisposable
{
    private bool _disposed;

    /// <summary>The kit file for this operation.</summary>
    public string Path { get; } = path;

    /// <summary>What opens <see cref="Path"/>.</summary>
    public KitSecret Secret { get; } = KitSecret.FromRawKey(key);

    /// <summary>What operations take: the kit file and its secret.</summary>
    public Protection.Kits.KitAccess Access => new(Path, Secret);

    /// <summary>Stores the kit file, as the operation left it, back into the key store (leases for update only).</summary>
    public void Commit()
    {
        if (gate is null)
        {
            throw new InvalidOperationException("A kit lent for reading cannot be stored back.");
        }

        storeBack(File.ReadAllBytes(Path));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            File.Delete(Path);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            gate?.Release();
        }
    }
}
