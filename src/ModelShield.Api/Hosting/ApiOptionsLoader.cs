using Microsoft.Extensions.Configuration;
using ModelShield.Api.Auth;
using ModelShield.Errors;

namespace ModelShield.Api.Hosting;

/// <summary>Reads the configuration file, resolves its relative paths and refuses anything unusable before the server starts.</summary>
internal static class ApiOptionsLoader
{
    /// <summary>Reads <paramref name="configPath"/> (or the defaults when null) into checked options.</summary>
    public static ApiOptions Load(string? configPath)
    {
        var options = new ApiOptions();
        var baseFolder = Environment.CurrentDirectory;
        if (configPath is not null)
        {
            var full = Path.GetFullPath(configPath);
            if (!File.Exists(full))
            {
                throw new ModelShieldException(ErrorCodes.PathNotFound, $"Configuration file '{configPath}' does not exist.");
            }

            try
            {
                new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build()
                    .GetSection(ApiOptions.Section).Bind(options);
            }
            catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException)
            {
                throw new ModelShieldException(ErrorCodes.ApiConfigInvalid, $"Configuration file '{configPath}' is malformed: {ex.Message}", ex);
            }

            baseFolder = Path.GetDirectoryName(full)!;
        }

        return Resolve(options, baseFolder);
    }

    /// <summary>Makes paths absolute against <paramref name="baseFolder"/> and checks every value.</summary>
    public static ApiOptions Resolve(ApiOptions options, string baseFolder)
    {
        options.KeyStore.Folder = Path.GetFullPath(options.KeyStore.Folder, baseFolder);
        options.KeyStore.MasterKeyFile = Path.GetFullPath(options.KeyStore.MasterKeyFile, baseFolder);
        options.TempFolder = Path.GetFullPath(options.TempFolder ?? Path.Combine(Path.GetTempPath(), "modelshield-api"), baseFolder);
        foreach (var name in options.TrustPolicies.Keys.ToList())
        {
            options.TrustPolicies[name] = Path.GetFullPath(options.TrustPolicies[name], baseFolder);
        }

        foreach (var name in options.DataFolders.Keys.ToList())
        {
            options.DataFolders[name] = Path.GetFullPath(options.DataFolders[name], baseFolder);
        }

        Check(options.MaxUploadBytes > 0, "maxUploadBytes must be positive");
        Check(options.RequestTimeoutSeconds > 0, "requestTimeoutSeconds must be positive");
        Check(options.RateLimit.PermitsPerMinute > 0 && options.RateLimit.Burst > 0, "rateLimit.permitsPerMinute and rateLimit.burst must be positive");
        Check(options.Jobs.TimeoutSeconds > 0 && options.Jobs.Concurrency > 0 && options.Jobs.MaxQueued >= 0 && options.Jobs.KeepMinutes > 0,
            "jobs.timeoutSeconds, jobs.concurrency and jobs.keepMinutes must be positive, jobs.maxQueued not negative");
        foreach (var key in options.ApiKeys)
        {
            Check(key.Name.Length > 0, "every apiKeys entry needs a name");
            Check(ApiRoles.All.Contains(key.Role), $"API key '{key.Name}': role '{key.Role}' is not one of {string.Join(", ", ApiRoles.All)}");
            Check(ApiKeyHash.IsHash(key.Sha256), $"API key '{key.Name}': sha256 must be 64 hexadecimal digits (the hash printed by 'modelshield serve apikey')");
        }

        var duplicate = options.ApiKeys.GroupBy(k => k.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        Check(duplicate is null, $"API key name '{duplicate?.Key}' is used twice");
        foreach (var prefix in options.AllowedEndpoints)
        {
            Check(Uri.TryCreate(prefix, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.UserInfo.Length == 0,
                $"allowedEndpoints: '{prefix}' is not an http(s) URL without credentials");
        }

        return options;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ModelShieldException(ErrorCodes.ApiConfigInvalid, $"Server configuration: {message}.");
        }
    }
}
