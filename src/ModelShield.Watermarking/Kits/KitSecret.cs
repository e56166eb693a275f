using System.Security.Cryptography;
using System.Text;
using ModelShield.Errors;

namespace ModelShield.Watermarking.Kits;

/// <summary>
/// What unlocks a kit: a passphrase (stretched by PBKDF2-HMAC-SHA256) or a raw 256-bit key.
/// Never logged: <see cref="ToString"/> says only which kind it is.
/// </summary>
public sealed class KitSecret
{
    /// <summary>The environment variable a passphrase may come from.</summary>
    public const string PassphraseVariable = "MODELSHIELD_PASSPHRASE";

    private readonly byte[] _material;

    private KitSecret(bool isRawKey, byte[] material)
    {
        IsRawKey = isRawKey;
        _material = material;
    }

    /// <summary>True for a raw key, false for a passphrase.</summary>
    public bool IsRawKey { get; }

    /// <summary>A passphrase given directly (tests, the API's key store).</summary>
    public static KitSecret FromPassphrase(string passphrase)
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        if (passphrase.Length == 0)
        {
            throw new ModelShieldException(ErrorCodes.KitSecretInvalid, "The passphrase is empty.");
        }

        return new KitSecret(false, Encoding.UTF8.GetBytes(passphrase));
    }

    /// <summary>A raw 32-byte key.</summary>
    public static KitSecret FromRawKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ModelShieldException(ErrorCodes.KitSecretInvalid, $"A kit key is 32 bytes; this one has {key.Length}.");
        }

        return new KitSecret(true, key.ToArray());
    }

    /// <summary>
    /// Resolves the secret the way every command does: a key file, else a passphrase file (first line), else
    /// the MODELSHIELD_PASSPHRASE variable. A key file holds 32 raw bytes or 64 hexadecimal digits.
    /// </summary>
    public static KitSecret Resolve(string? passphraseFile, string? keyFile, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (keyFile is not null && passphraseFile is not null)
        {
            throw new ModelShieldException(ErrorCodes.KitSecretInvalid, "Give either --kit-key-file or --passphrase-file, not both.");
        }

        if (keyFile is not null)
        {
            var bytes = ReadSecretFile(keyFile, "key");
            var text = Encoding.ASCII.GetString(bytes).Trim();
            if (bytes.Length != 32 && text.Length == 64 && text.All(Uri.IsHexDigit))
            {
                return FromRawKey(Convert.FromHexString(text));
            }

            return FromRawKey(bytes);
        }

        if (passphraseFile is not null)
        {
            var text = Encoding.UTF8.GetString(ReadSecretFile(passphraseFile, "passphrase"));
            return FromPassphrase(text.Split('\n')[0].TrimEnd('\r'));
        }

        var fromEnvironment = environment(PassphraseVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return FromPassphrase(fromEnvironment);
        }

        throw new ModelShieldException(
            ErrorCodes.KitSecretMissing,
            $"The kit is encrypted: give --passphrase-file FILE, set {PassphraseVariable}, or give --kit-key-file FILE.");
    }

    /// <summary>Derives the 256-bit encryption key for a kit file.</summary>
    internal byte[] DeriveKey(ReadOnlySpan<byte> salt, int iterations) =>
        IsRawKey ? (byte[])_material.Clone() : Rfc2898DeriveBytes.Pbkdf2(_material, salt, iterations, HashAlgorithmName.SHA256, 32);

    /// <inheritdoc/>
    public override string ToString() => IsRawKey ? "raw key" : "passphrase";

    private static byte[] ReadSecretFile(string path, string what)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0)
            {
                throw new ModelShieldException(ErrorCodes.KitSecretInvalid, $"The {what} file '{path}' is empty.");
            }

            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.KitSecretInvalid, $"Cannot read the {what} file '{path}': {ex.Message}", ex);
        }
    }
}
