using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelShield.Api.Auth;
using ModelShield.Api.Hosting;
using ModelShield.Api.KeyStore;
using ModelShield.Api.Uploads;
using ModelShield.Errors;
using ModelShield.Signing;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Api;

/// <summary>An API key just made: the key (shown once, never stored) and what the configuration keeps of it.</summary>
/// <param name="Key">The key to give to the client.</param>
/// <param name="Sha256">Its SHA-256, for the configuration.</param>
/// <param name="ConfigEntry">The <c>Api:ApiKeys</c> entry to add to the configuration, as JSON.</param>
public sealed record ApiKeyCreation(string Key, string Sha256, string ConfigEntry);

/// <summary>A key store entry as the operator sees it: id and kind, nothing secret.</summary>
/// <param name="Id">The id clients name it by.</param>
/// <param name="Kind">signingKey or kit.</param>
public sealed record KeyStoreListing(string Id, string Kind);

/// <summary>
/// The ModelShield HTTP API: runs the server (<c>modelshield serve</c>) and the operator's tasks on its configuration
/// (making API keys, adding signing keys and kits to the key store). Configuration format: README, "The HTTP API".
/// </summary>
public static class ApiHost
{
    /// <summary>The address the server listens on by default: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>Runs the server until <paramref name="cancellationToken"/> is cancelled (Ctrl+C, SIGTERM).</summary>
    public static async Task RunAsync(string? urls, string? configPath, CancellationToken cancellationToken = default)
    {
        var options = ApiOptionsLoader.Load(configPath);
        using var host = CreateHostBuilder(options, urls ?? DefaultUrls).Build();
        await host.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes a new API key for <paramref name="role"/> (release, investigate or verify).</summary>
    public static ApiKeyCreation CreateApiKey(string role, string name)
    {
        if (!ApiRoles.All.Contains(role))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"Role '{role}' is not one of {string.Join(", ", ApiRoles.All)}.");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "An API key needs a name (--name), e.g. the pipeline that uses it.");
        }

        var key = ApiKeyHash.NewKey();
        var hash = ApiKeyHash.HashHex(key);
        var entry = JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = name, ["role"] = role, ["sha256"] = hash });
        return new ApiKeyCreation(key, hash, entry);
    }

    /// <summary>Adds an EC signing key (PEM, optionally encrypted) and its certificates to the key store of <paramref name="configPath"/>.</summary>
    public static void AddSigningKey(string? configPath, string id, string keyPath, string? passphrase, string? certificatePath, IReadOnlyList<string> chainPaths, bool force)
    {
        ArgumentNullException.ThrowIfNull(chainPaths);
        var store = new ServerKeyStore(ApiOptionsLoader.Load(configPath));
        using var key = SigningKeys.LoadPrivateKey(keyPath, passphrase);
        var certificates = new List<System.Security.Cryptography.X509Certificates.X509Certificate2>();
        if (certificatePath is not null)
        {
            certificates.Add(SigningKeys.LoadCertificates(certificatePath)[0]);
            certificates.AddRange(chainPaths.SelectMany(c => SigningKeys.LoadCertificates(c)));
        }

        store.AddSigningKey(id, key, certificates, force);
    }

    /// <summary>Adds an owner kit to the key store of <paramref name="configPath"/>; <paramref name="secret"/> opens it once and is not kept.</summary>
    public static void AddKit(string? configPath, string id, string kitPath, KitSecret secret, bool force) =>
        new ServerKeyStore(ApiOptionsLoader.Load(configPath)).AddKit(id, kitPath, secret, force);

    /// <summary>The key store's entries (ids and kinds).</summary>
    public static IReadOnlyList<KeyStoreListing> ListKeyStore(string? configPath) =>
        new ServerKeyStore(ApiOptionsLoader.Load(configPath)).List()
            .Select(e => new KeyStoreListing(e.Id, JsonNamingPolicy.CamelCase.ConvertName(e.Kind.ToString()))).ToList();

    /// <summary>The server's host: Kestrel on <paramref name="urls"/> (tests swap in a test server), logs on stderr.</summary>
    internal static IHostBuilder CreateHostBuilder(ApiOptions options, string? urls) =>
        new HostBuilder()
            .UseContentRoot(AppContext.BaseDirectory)
            .ConfigureLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Information);
                // Per-request framework logs would cost throughput and say nothing an operator needs.
                logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
                logging.AddFilter(typeof(ApiKeyAuthentication).FullName, LogLevel.Warning);
                logging.AddSimpleConsole(c => c.SingleLine = true);
                logging.AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
            })
            .ConfigureWebHost(web =>
            {
                web.UseKestrel(k =>
                {
                    k.AddServerHeader = false;
                    k.Limits.MaxRequestBodySize = UploadReader.BodyLimit(options);
                });
                if (urls is not null)
                {
                    web.UseUrls(urls);
                }

                web.ConfigureServices(services => ApiPipeline.AddServices(services, options));
                web.Configure(ApiPipeline.Configure);
            });
}
