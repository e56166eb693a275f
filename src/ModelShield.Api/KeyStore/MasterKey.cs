using System.Security.Cryptography;
using System.Text;
using ModelShield.Errors;

namespace ModelShield.Api.KeyStore;

/// <summary>The key store's master key: a file of 32 random bytes or 64 hexadecimal digits, readable by the server only.</summary>
internal static class MasterKey
{
    /// <summary>Reads the master key; refuses a missing, empty or wrong-length file.</summary>
    public static byte[] Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.ApiConfigInvalid,
                $"Cannot read the key store's master key '{path}' ({ex.Message}); make one with: head -c 32 /dev/urandom > {Path.GetFileName(path)}", ex);
        }

        if (bytes.Length == 32)
        {
            return bytes;
        }

        var text = Encoding.ASCII.GetString(bytes).Trim();
        CryptographicOperations.ZeroMemory(bytes);
        if (text.Length == 64 && text.All(Uri.IsHexDigit))
        {
            return Convert.FromHexString(text);
        }

        throw new ModelShieldException(ErrorCodes.ApiConfigInvalid, $"The master key '{path}' must hold 32 bytes or 64 hexadecimal digits.");
    }
}
