using System.Security.Cryptography;
using ModelShield.Api.Hosting;

namespace ModelShield.Api.Auth;

/// <summary>The configured API keys, by hash; looks a presented key up in constant time.</summary>
internal sealed class ApiKeyRegistry
{
    private readonly List<(ApiKeyOptions Key, byte[] Hash)> _keys;

    public ApiKeyRegistry(ApiOptions options) =>
        _keys = options.ApiKeys.Select(k => (k, Convert.FromHexString(k.Sha256))).ToList();

    /// <summary>The configured key whose hash matches <paramref name="presented"/>, or null.</summary>
    public ApiKeyOptions? Find(string presented)
    {
        var hash = ApiKeyHash.Hash(presented);
        ApiKeyOptions? found = null;
        // Compare with every key, without stopping early, so that timing tells nothing about which hash was close.
        foreach (var (key, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = key;
            }
        }

        return found;
    }
}
