using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelShield.Api.Hosting;
using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Api.KeyStore;

/// <summary>
/// Signing keys and owner kits kept on the server, one file per id, each sealed with AES-256-GCM under the master
/// key. The id and the kind are authenticated with it, so an entry cannot be renamed or relabelled unnoticed.
/// Entries are handed to operations as live objects or as short-lived files; nothing here ever leaves the server.
/// </summary>
internal sealed partial class ServerKeyStore(ApiOptions options)
{
    private const int Version = 1;
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int HeaderLength = 4 + 1 + 1 + NonceLength + TagLength;
    private const string Extension = ".mskey";
    private static readonly byte[] Magic = "MSKS"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly Lazy<byte[]> _masterKey = new(() => MasterKey.Read(options.KeyStore.MasterKeyFile));

    /// <summary>True when <paramref name="id"/> is a well-formed entry id.</summary>
    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>Every entry's id and kind, by id.</summary>
    public IReadOnlyList<(string Id, KeyStoreEntryKind Kind)> List()
    {
        if (!Directory.Exists(options.KeyStore.Folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(options.KeyStore.Folder, "*" + Extension)
            .Select(f => Path.GetFileNameWithoutExtension(f))
            .Where(IsValidId)
            .Order(StringComparer.Ordinal)
            .Select(id => (id, ReadKind(id)))
            .ToList();
    }

    /// <summary>Stores a signing key (and its certificates for the certificate method) under <paramref name="id"/>.</summary>
    public void AddSigningKey(string id, ECDsa key, IEnumerable<X509Certificate2> certificates, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(key);
        Save(id, new KeyStoreEntry
        {
            Kind = KeyStoreEntryKind.SigningKey,
            PrivateKeyPkcs8 = key.ExportPkcs8PrivateKey(),
            Certificates = certificates.Select(c => c.RawData).ToList(),
        }, overwrite);
    }

    /// <summary>
    /// Stores the kit at <paramref name="kitPath"/> under <paramref name="id"/>, re-encrypted under a fresh random key:
    /// the operator's passphrase or key file is used once to open it and is not kept.
    /// </summary>
    public void AddKit(string id, string kitPath, KitSecret secret, bool overwrite)
    {
        var kit = KitFile.Read(kitPath, secret);
        var key = RandomNumberGenerator.GetBytes(32);
        var temp = PrivateTempFile(".mskit");
        try
        {
            KitFile.Write(temp, kit, KitSecret.FromRawKey(key), overwrite: true);
            Save(id, new KeyStoreEntry { Kind = KeyStoreEntryKind.Kit, KitFile = File.ReadAllBytes(temp), KitKey = key }, overwrite);
        }
        finally
        {
            File.Delete(temp);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The signing key <paramref name="id"/>; the caller disposes it.</summary>
    public SigningMaterial OpenSigningKey(string id)
    {
        var entry = Load(id, KeyStoreEntryKind.SigningKey);
        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(entry.PrivateKeyPkcs8, out _);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new ModelShieldException(ErrorCodes.KeyStoreEntryInvalid, $"Key store entry '{id}' holds no usable private key.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entry.PrivateKeyPkcs8);
        }

        var certificates = entry.Certificates.Select(c => X509CertificateLoader.LoadCertificate(c)).ToList();
        return new SigningMaterial(key, certificates.FirstOrDefault(), certificates.Skip(1).ToList());
    }

    /// <summary>Fails with MS1056 unless <paramref name="id"/> is an entry of <paramref name="kind"/>: checked before a job is queued.</summary>
    public void Require(string id, KeyStoreEntryKind kind)
    {
        if (ReadKind(id) != kind)
        {
            throw new ModelShieldException(ErrorCodes.KeyStoreIdUnknown, $"Key store entry '{id}' is not a {kind}.");
        }
    }

    /// <summary>
    /// Lends the kit <paramref name="id"/> as a file for one operation. The file is the kit as stored (still
    /// encrypted); <see cref="KitLease.Commit"/> stores it back after an operation added to it. Operations that
    /// update a kit (<paramref name="forUpdate"/>) run one at a time per kit, so that no addition is lost; readers
    /// need no turn, since a kit is replaced atomically.
    /// </summary>
    public async Task<KitLease> OpenKitAsync(string id, bool forUpdate, CancellationToken cancellationToken)
    {
        CheckId(id);
        var gate = forUpdate ? _locks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1)) : null;
        if (gate is not null)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var entry = Load(id, KeyStoreEntryKind.Kit);
            var path = PrivateTempFile(".mskit");
            await File.WriteAllBytesAsync(path, entry.KitFile!, cancellationToken).ConfigureAwait(false);
            return new KitLease(path, entry.KitKey!, bytes => Save(id, new KeyStoreEntry { Kind = KeyStoreEntryKind.Kit, KitFile = bytes, KitKey = entry.KitKey }, overwrite: true), gate);
        }
        catch
        {
            gate?.Release();
            throw;
        }
    }

    private void Save(string id, KeyStoreEntry entry, bool overwrite)
    {
        CheckId(id);
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(entry, Json);
        var output = new byte[HeaderLength + plaintext.Length];
        Magic.CopyTo(output, 0);
        output[4] = Version;
        output[5] = (byte)entry.Kind;
        var nonce = output.AsSpan(6, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        try
        {
            using var aes = new AesGcm(_masterKey.Value, TagLength);
            aes.Encrypt(nonce, plaintext, output.AsSpan(HeaderLength), output.AsSpan(6 + NonceLength, TagLength), AssociatedData(output, id));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        Directory.CreateDirectory(options.KeyStore.Folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(options.KeyStore.Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = PathOf(id);
        if (!overwrite && File.Exists(path))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"The key store already has an entry '{id}'; use --force to replace it.");
        }

        AtomicFile.WriteAllBytes(path, output, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private KeyStoreEntry Load(string id, KeyStoreEntryKind kind)
    {
        var bytes = ReadSealed(id);
        if (bytes[5] != (byte)kind)
        {
            throw new ModelShieldException(ErrorCodes.KeyStoreIdUnknown,
                $"Key store entry '{id}' is a {(KeyStoreEntryKind)bytes[5]}, not a {kind}.");
        }

        var plaintext = new byte[bytes.Length - HeaderLength];
        try
        {
            using var aes = new AesGcm(_masterKey.Value, TagLength);
            aes.Decrypt(bytes.AsSpan(6, NonceLength), bytes.AsSpan(HeaderLength), bytes.AsSpan(6 + NonceLength, TagLength), plaintext, AssociatedData(bytes, id));
            return JsonSerializer.Deserialize<KeyStoreEntry>(plaintext, Json) is { } entry && entry.Kind == kind
                ? entry
                : throw new ModelShieldException(ErrorCodes.KeyStoreEntryInvalid, $"Key store entry '{id}' is malformed.");
        }
        catch (Exception ex) when (ex is AuthenticationTagMismatchException or JsonException)
        {
            throw new ModelShieldException(ErrorCodes.KeyStoreEntryInvalid,
                $"Key store entry '{id}' does not open under the master key (another master key, or the file was altered).", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private KeyStoreEntryKind ReadKind(string id) => (KeyStoreEntryKind)ReadSealed(id)[5];

    private byte[] ReadSealed(string id)
    {
        CheckId(id);
        var path = PathOf(id);
        if (!File.Exists(path))
        {
            throw new ModelShieldException(ErrorCodes.KeyStoreIdUnknown, $"The key store has no entry '{id}'.");
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, 4).SequenceEqual(Magic) || bytes[4] != Version || bytes[5] > (byte)KeyStoreEntryKind.Kit)
        {
            throw new ModelShieldException(ErrorCodes.KeyStoreEntryInvalid, $"Key store entry '{id}' is not a ModelShield key store file.");
        }

        return bytes;
    }

    private static byte[] AssociatedData(byte[] sealedBytes, string id) => [.. sealedBytes.AsSpan(0, 6), .. Encoding.UTF8.GetBytes(id)];

    private string PathOf(string id) => Path.Combine(options.KeyStore.Folder, id + Extension);

    private string PrivateTempFile(string extension)
    {
        var folder = Path.Combine(options.TempFolder!, "kits");
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return Path.Combine(folder, Guid.NewGuid().ToString("N") + extension);
    }

    private static void CheckId(string id)
    {
        if (!IsValidId(id))
        {
            throw new ModelShieldException(ErrorCodes.KeyStoreIdUnknown, $"'{id}' is not a key store id (letters, digits, '.', '_', '-'; at most 64).");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();
}
