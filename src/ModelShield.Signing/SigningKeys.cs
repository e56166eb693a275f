using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModelShield.Errors;
using ModelShield.Signing.Oms;

namespace ModelShield.Signing;

/// <summary>
/// Reads keys and certificates from PEM files, with clear errors for anything unusable (a key on a curve the platform
/// does not know surfaces as PlatformNotSupportedException, and is unusable too).
/// </summary>
public static class SigningKeys
{
    /// <summary>Reads an EC private key (SEC1, PKCS#8, or encrypted PKCS#8 with <paramref name="passphrase"/>).</summary>
    public static ECDsa LoadPrivateKey(string path, string? passphrase = null)
    {
        var pem = ReadText(path, "private key");
        var key = ECDsa.Create();
        try
        {
            if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            {
                if (passphrase is null)
                {
                    throw new ModelShieldException(ErrorCodes.KeyUnusable, $"Private key '{path}' is encrypted; give its passphrase (--key-passphrase-file).");
                }

                key.ImportFromEncryptedPem(pem, passphrase);
            }
            else
            {
                key.ImportFromPem(pem);
            }

            _ = KeyAlgorithms.CurveName(key);
            _ = key.ExportParameters(includePrivateParameters: true);
            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or PlatformNotSupportedException)
        {
            key.Dispose();
            throw new ModelShieldException(ErrorCodes.KeyUnusable, $"'{path}' is not a usable EC private key (wrong passphrase, or not PEM): {ex.Message}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Reads an EC public key (SubjectPublicKeyInfo PEM; text around the PEM block is ignored).</summary>
    public static ECDsa LoadPublicKey(string path)
    {
        var pem = ReadText(path, "public key");
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            _ = KeyAlgorithms.CurveName(key);
            return key;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or PlatformNotSupportedException)
        {
            key.Dispose();
            throw new ModelShieldException(ErrorCodes.KeyUnusable, $"'{path}' is not a usable EC public key in PEM form: {ex.Message}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Reads every certificate of a PEM file (at least one).</summary>
    public static X509Certificate2Collection LoadCertificates(string path)
    {
        var pem = ReadText(path, "certificate");
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new ModelShieldException(ErrorCodes.KeyUnusable, $"'{path}' holds a malformed certificate: {ex.Message}", ex);
        }

        return certificates.Count > 0
            ? certificates
            : throw new ModelShieldException(ErrorCodes.KeyUnusable, $"'{path}' holds no PEM certificate.");
    }

    private static string ReadText(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read {what} '{path}': {ex.Message}", ex);
        }
    }
}
