namespace ModelShield.Api.KeyStore;

/// <summary>What kind of secret a key store entry holds.</summary>
internal enum KeyStoreEntryKind
{
    /// <summary>An EC private key for signing, with its certificate chain when it signs with the certificate method.</summary>
    SigningKey,

    /// <summary>An owner kit (.mskit), re-encrypted under a random key the store keeps with it.</summary>
    Kit,
}

/// <summary>
/// The decrypted content of one key store entry. Secret fields are never serialized into a response, and
/// <see cref="ToString"/> names no secret, so that an accidental log line leaks nothing.
/// </summary>
internal sealed class KeyStoreEntry
{
    public KeyStoreEntryKind Kind { get; set; }

    /// <summary>Signing key: the private key as PKCS#8 DER.</summary>
    public byte[]? PrivateKeyPkcs8 { get; set; }

    /// <summary>Signing key: the leaf certificate then intermediates, DER; empty for the key method.</summary>
    public List<byte[]> Certificates { get; set; } = [];

    /// <summary>Kit: the encrypted kit file.</summary>
    public byte[]? KitFile { get; set; }

    /// <summary>Kit: the raw 256-bit key that opens <see cref="KitFile"/>.</summary>
    public byte[]? KitKey { get; set; }

    public override string ToString() => $"key store entry ({Kind})";
}
