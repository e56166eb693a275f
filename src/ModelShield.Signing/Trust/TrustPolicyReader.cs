using System.Security.Cryptography;
using System.Text.Json;
using ModelShield.Errors;

namespace ModelShield.Signing.Trust;

/// <summary>Reads the JSON trust policy format of docs/trust-policy.md, starting from a preset.</summary>
internal static class TrustPolicyReader
{
    public const int FormatVersion = 1;

    private static readonly string[] KnownFields =
    [
        "version", "preset", "roots", "intermediates", "publicKeys", "allowedSigners", "allowedMethods",
        "allowedHashAlgorithms", "allowedSerializations", "allowLegacyPredicate", "requireTimestamp",
        "timestampRoots", "unsignedPathsAllowed", "allowCaSigningCertificate",
    ];

    /// <summary>The presets, by name: each is a starting point that the file's fields refine.</summary>
    public static TrustPolicy Preset(string name) => name switch
    {
        "strict" => TrustPolicy.Strict,
        "timestamped" => TrustPolicy.Strict with
        {
            RequireTimestamp = true,
            AllowedMethods = new HashSet<SigningMethod> { SigningMethod.Certificate },
            AllowLegacyPredicate = false,
            AllowCaSigningCertificate = false,
        },
        "oms-interop" => TrustPolicy.Strict with { AllowLegacyPredicate = true, AllowCaSigningCertificate = true },
        _ => throw Bad($"unknown preset '{name}'; known presets: strict, timestamped, oms-interop"),
    };

    public static TrustPolicy Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read trust policy '{path}': {ex.Message}", ex);
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad("the policy must be a JSON object");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!KnownFields.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw Bad($"unknown field '{property.Name}' (a typo would silently weaken the policy)");
                }
            }

            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != FormatVersion)
            {
                throw Bad($"'version' must be {FormatVersion}");
            }

            var policy = Preset(root.TryGetProperty("preset", out var preset) ? preset.GetString() ?? "strict" : "strict");
            if (Strings(root, "roots") is { } roots)
            {
                policy = policy with { Roots = roots.SelectMany(r => SigningKeys.LoadCertificates(Resolve(folder, r))).ToList() };
            }

            if (Strings(root, "intermediates") is { } intermediates)
            {
                policy = policy with { Intermediates = intermediates.SelectMany(r => SigningKeys.LoadCertificates(Resolve(folder, r))).ToList() };
            }

            if (Strings(root, "timestampRoots") is { } tsaRoots)
            {
                policy = policy with { TimestampRoots = tsaRoots.SelectMany(r => SigningKeys.LoadCertificates(Resolve(folder, r))).ToList() };
            }

            if (Strings(root, "publicKeys") is { } keys)
            {
                policy = policy with { PublicKeys = keys.Select(k => SigningKeys.LoadPublicKey(Resolve(folder, k))).ToList() };
            }

            if (root.TryGetProperty("allowedSigners", out var signers))
            {
                policy = policy with { AllowedSigners = ReadSigners(signers, folder) };
            }

            if (Strings(root, "allowedMethods") is { } methods)
            {
                policy = policy with { AllowedMethods = methods.Select(ParseMethod).ToHashSet() };
            }

            if (Strings(root, "allowedHashAlgorithms") is { } hashes)
            {
                policy = policy with { AllowedHashAlgorithms = hashes.ToHashSet(StringComparer.Ordinal) };
            }

            if (Strings(root, "allowedSerializations") is { } serializations)
            {
                policy = policy with { AllowedSerializations = serializations.ToHashSet(StringComparer.Ordinal) };
            }

            if (Strings(root, "unsignedPathsAllowed") is { } unsigned)
            {
                policy = policy with { UnsignedPathsAllowed = unsigned };
            }

            policy = policy with
            {
                RequireTimestamp = Bool(root, "requireTimestamp") ?? policy.RequireTimestamp,
                AllowLegacyPredicate = Bool(root, "allowLegacyPredicate") ?? policy.AllowLegacyPredicate,
                AllowCaSigningCertificate = Bool(root, "allowCaSigningCertificate") ?? policy.AllowCaSigningCertificate,
            };
            if (policy.Roots.Count == 0 && policy.PublicKeys.Count == 0 && policy.AllowedSigners.All(s => s.PublicKey is null))
            {
                throw Bad("it trusts nothing: give roots, publicKeys, or allowedSigners with a publicKey");
            }

            return policy;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw Bad(ex.Message);
        }

        ModelShieldException Bad(string why) => new(ErrorCodes.PolicyMalformed, $"Trust policy '{path}' is malformed: {why}.");
    }

    private static ModelShieldException Bad(string why) => new(ErrorCodes.PolicyMalformed, $"Trust policy is malformed: {why}.");

    private static List<AllowedSigner> ReadSigners(JsonElement signers, string folder)
    {
        if (signers.ValueKind != JsonValueKind.Array)
        {
            throw Bad("'allowedSigners' must be an array");
        }

        return signers.EnumerateArray().Select(s =>
        {
            if (s.ValueKind != JsonValueKind.Object)
            {
                throw Bad("each allowed signer must be an object");
            }

            var key = !s.TryGetProperty("publicKey", out var k) ? null
                : k.ValueKind == JsonValueKind.String ? SigningKeys.LoadPublicKey(Resolve(folder, k.GetString()!))
                : throw Bad("an allowed signer's 'publicKey' must be a file name");
            var signer = new AllowedSigner
            {
                Subject = s.TryGetProperty("subject", out var subject) ? subject.GetString() : null,
                SubjectAlternativeName = s.TryGetProperty("san", out var san) ? san.GetString() : null,
                CertificateSha256 = s.TryGetProperty("certificateSha256", out var fp) ? fp.GetString() : null,
                PublicKey = key,
            };
            return signer.Subject is null && signer.SubjectAlternativeName is null && signer.CertificateSha256 is null && key is null
                ? throw Bad("an allowed signer needs at least one of subject, san, certificateSha256, publicKey")
                : signer;
        }).ToList();
    }

    private static SigningMethod ParseMethod(string name) => name switch
    {
        "key" => SigningMethod.Key,
        "certificate" => SigningMethod.Certificate,
        _ => throw Bad($"unknown method '{name}'; known methods: key, certificate"),
    };

    private static List<string>? Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            throw Bad($"'{name}' must be an array of strings");
        }

        return value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    private static bool? Bool(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? null
        : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
        : throw Bad($"'{name}' must be true or false");

    private static string Resolve(string folder, string path) => Path.IsPathRooted(path) ? path : Path.Combine(folder, path);
}
