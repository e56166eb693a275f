using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using ModelShield.Errors;
using ModelShield.IO;

namespace ModelShield.Watermarking.Kits;

/// <summary>
/// Reads and writes encrypted kit files (docs/kit-format.md): a fixed header (magic, version, key source,
/// KDF iterations, salt, nonce, length), the AES-256-GCM ciphertext of the kit's JSON, and the tag.
/// The whole header is authenticated, so no field can be changed without detection.
/// </summary>
public static class KitFile
{
    /// <summary>PBKDF2-HMAC-SHA256 iterations for passphrases (OWASP's 2023 figure).</summary>
    public const int PassphraseIterations = 600_000;

    private const int FormatVersion = 1;
    private const int HeaderLength = 8 + 2 + 1 + 4 + 16 + 12 + 4;
    private const int TagLength = 16;
    private const int MaxPlaintextBytes = 256 << 20;
    private static readonly byte[] Magic = "MSKIT\r\n\u001a"u8.ToArray();

    /// <summary>Reads and decrypts a kit.</summary>
    public static OwnerKit Read(string path, KitSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ModelShieldException(ErrorCodes.PathNotFound, $"Kit '{path}' does not exist.");
            }

            if (info.Length > MaxPlaintextBytes + HeaderLength + TagLength)
            {
                throw new ModelShieldException(ErrorCodes.MalformedKit, $"'{path}' is too large to be a kit.");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read kit '{path}': {ex.Message}", ex);
        }

        return Decrypt(bytes, secret, path);
    }

    /// <summary>Encrypts and writes a kit atomically.</summary>
    public static void Write(string path, OwnerKit kit, KitSecret secret, bool overwrite)
    {
        var bytes = Encrypt(kit, secret);
        AtomicFile.WriteAllBytes(path, bytes, overwrite);
    }

    /// <summary>
    /// Adds to a kit in place: reads it, lets <paramref name="update"/> add entries, and writes it back atomically.
    /// If anything fails the kit on disk is unchanged.
    /// </summary>
    public static void Update(string path, KitSecret secret, Action<OwnerKit> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var kit = Read(path, secret);
        var before = kit.Entries.Count;
        update(kit);
        if (kit.Entries.Count < before)
        {
            throw new InvalidOperationException("Kit entries are append-only.");
        }

        Write(path, kit, secret, overwrite: true);
    }

    internal static byte[] Encrypt(OwnerKit kit, KitSecret secret)
    {
        ArgumentNullException.ThrowIfNull(kit);
        return Seal(JsonSerializer.SerializeToUtf8Bytes(kit.ToDocument(), OwnerKit.Json), secret);
    }

    /// <summary>Encrypts a kit's JSON document into the kit file format; zeroes <paramref name="plaintext"/>.</summary>
    internal static byte[] Seal(byte[] plaintext, KitSecret secret)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(secret);
        var output = new byte[HeaderLength + plaintext.Length + TagLength];
        var header = output.AsSpan(0, HeaderLength);
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], FormatVersion);
        header[10] = secret.IsRawKey ? (byte)2 : (byte)1;
        var iterations = secret.IsRawKey ? 0 : PassphraseIterations;
        BinaryPrimitives.WriteInt32LittleEndian(header[11..], iterations);
        RandomNumberGenerator.Fill(header.Slice(15, 16));
        RandomNumberGenerator.Fill(header.Slice(31, 12));
        BinaryPrimitives.WriteInt32LittleEndian(header[43..], plaintext.Length);
        var key = secret.DeriveKey(header.Slice(15, 16), iterations);
        try
        {
            using var aes = new AesGcm(key, TagLength);
            aes.Encrypt(header.Slice(31, 12), plaintext, output.AsSpan(HeaderLength, plaintext.Length), output.AsSpan(HeaderLength + plaintext.Length), header);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }

        return output;
    }

    internal static OwnerKit Decrypt(byte[] bytes, KitSecret secret, string displayName)
    {
        if (bytes.Length < HeaderLength + TagLength || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw new ModelShieldException(ErrorCodes.MalformedKit, $"'{displayName}' is not a ModelShield kit (or is truncated).");
        }

        var header = bytes.AsSpan(0, HeaderLength);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (version != FormatVersion)
        {
            throw new ModelShieldException(ErrorCodes.MalformedKit, $"'{displayName}' is kit format {version}; this version reads format {FormatVersion}.");
        }

        var keySource = header[10];
        var iterations = BinaryPrimitives.ReadInt32LittleEndian(header[11..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header[43..]);
        if (keySource is not (1 or 2) || (keySource == 1 && iterations is < 100_000 or > 10_000_000) || (keySource == 2 && iterations != 0)
            || length < 0 || length != bytes.Length - HeaderLength - TagLength)
        {
            throw new ModelShieldException(ErrorCodes.MalformedKit, $"'{displayName}' has a damaged kit header (or is truncated).");
        }

        if ((keySource == 2) != secret.IsRawKey)
        {
            throw new ModelShieldException(
                ErrorCodes.KitDecryptionFailed,
                $"'{displayName}' is locked with a {(keySource == 2 ? "raw key (--kit-key-file)" : "passphrase")}, but a {secret} was given.");
        }

        var key = secret.DeriveKey(header.Slice(15, 16), iterations);
        var plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagLength);
            aes.Decrypt(header.Slice(31, 12), bytes.AsSpan(HeaderLength, length), bytes.AsSpan(HeaderLength + length, TagLength), plaintext, header);
            var document = JsonSerializer.Deserialize<KitDocument>(plaintext, OwnerKit.Json);
            if (document?.KitId is null || document.MasterKey is not { Length: 32 } || document.Entries is null)
            {
                throw new ModelShieldException(ErrorCodes.MalformedKit, $"Kit '{displayName}' decrypted but lacks its id, key or entries.");
            }

            // Entry ids are UUIDs (docs/kit-format.md); reports show their first eight characters.
            if (document.Entries.Any(e => e is null || !Guid.TryParseExact(e.Id, "D", out _)))
            {
                throw new ModelShieldException(ErrorCodes.MalformedKit, $"Kit '{displayName}' decrypted but holds an entry that is missing or whose id is not a UUID.");
            }

            return OwnerKit.FromDocument(document);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new ModelShieldException(ErrorCodes.KitDecryptionFailed, $"Cannot open kit '{displayName}': wrong passphrase or key, or the file was altered.", ex);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // The summary and secret are JsonObjects, which report a property named twice as ArgumentException.
            throw new ModelShieldException(ErrorCodes.MalformedKit, $"Kit '{displayName}' decrypted but its content is not valid: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
