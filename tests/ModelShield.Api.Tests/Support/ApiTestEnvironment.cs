using System.Net.Http.Headers;
using System.Security.Cryptography;
using ModelShield.Api.Auth;
using ModelShield.Api.Hosting;
using ModelShield.Api.KeyStore;
using ModelShield.Testing.Files;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Api.Tests.Support;

/// <summary>
/// A server configuration for one test: a temporary folder with a master key, a key store holding a signing key
/// ("release-key") and an owner kit ("owner-kit"), and one API key per role. Options can be changed before the
/// first client is made.
/// </summary>
internal sealed class ApiTestEnvironment : IDisposable
{
    public const string SigningKeyId = "release-key";
    public const string KitId = "owner-kit";
    public const string KitPassphrase = "correct horse battery staple";

    private ApiFactory? _factory;

    public ApiTestEnvironment(Action<ApiOptions>? configure = null)
    {
        var options = new ApiOptions
        {
            KeyStore = new KeyStoreOptions { Folder = Path.Combine(Folder.Path, "keystore"), MasterKeyFile = Folder.File("master.key") },
            TempFolder = Path.Combine(Folder.Path, "tmp"),
            RateLimit = new RateLimitOptions { PermitsPerMinute = 6000, Burst = 1000 },
        };
        File.WriteAllBytes(options.KeyStore.MasterKeyFile, RandomNumberGenerator.GetBytes(32));
        foreach (var role in ApiRoles.All)
        {
            var key = ApiKeyHash.NewKey();
            Keys[role] = key;
            options.ApiKeys.Add(new ApiKeyOptions { Name = role + "-client", Role = role, Sha256 = ApiKeyHash.HashHex(key) });
        }

        configure?.Invoke(options);
        Options = ApiOptionsLoader.Resolve(options, Folder.Path);
        KeyStore = new ServerKeyStore(Options);
        SigningKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        KeyStore.AddSigningKey(SigningKeyId, SigningKey, [], overwrite: false);
        var kitPath = Folder.File("owner.mskit");
        KitFile.Write(kitPath, OwnerKit.CreateNew(), KitSecret.FromPassphrase(KitPassphrase), overwrite: false);
        KeyStore.AddKit(KitId, kitPath, KitSecret.FromPassphrase(KitPassphrase), overwrite: false);
    }

    public TempFolder Folder { get; } = new();

    public ApiOptions Options { get; }

    public ServerKeyStore KeyStore { get; }

    /// <summary>The key store's signing key (the test keeps a copy to check signatures with).</summary>
    public ECDsa SigningKey { get; }

    /// <summary>One API key per role.</summary>
    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    public ApiFactory Factory => _factory ??= new ApiFactory(Options);

    /// <summary>A client sending the API key of <paramref name="role"/>, or none.</summary>
    public HttpClient Client(string? role = null)
    {
        var client = Factory.CreateClient();
        if (role is not null)
        {
            client.DefaultRequestHeaders.Add(ApiKeyAuthentication.HeaderName, Keys[role]);
        }

        return client;
    }

    /// <summary>A multipart form with files (name, file name, bytes) and fields.</summary>
    public static MultipartFormDataContent Form(IEnumerable<(string Name, string FileName, byte[] Bytes)> files, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, fileName, bytes) in files)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, name, fileName);
        }

        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    public void Dispose()
    {
        _factory?.Dispose();
        SigningKey.Dispose();
        Folder.Dispose();
    }
}
