using System.Globalization;
using System.Security.Cryptography;
using ModelShield.Api.Auth;
using ModelShield.Api.Hosting;
using ModelShield.Api.KeyStore;
using ModelShield.Errors;
using ModelShield.Protection.Suspects;
using ModelShield.Signing;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Api.Uploads;

/// <summary>
/// The form inputs several endpoints share, read the same way everywhere: a kit or key by id, a suspect (file or
/// allowed endpoint), null models (a tar), the owner's original model, a named data folder, alpha, and the trust for
/// a signature. Each refuses what it cannot use before any work starts.
/// </summary>
internal static class FormInputs
{
    /// <summary>The file part <c>model</c> as an .onnx file (in a tar: the one the field <c>path</c> names, or the only one).</summary>
    public static string Model(Upload upload, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(options);
        return ModelUploads.OnnxFile(ModelUploads.Prepare(upload, "model", options.MaxUploadBytes), upload.Field("path"));
    }

    /// <summary>The field <c>kitId</c>, checked to name a kit in the key store.</summary>
    public static string KitId(Upload upload, ServerKeyStore keyStore)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(keyStore);
        var id = upload.RequireField("kitId");
        keyStore.Require(id, KeyStoreEntryKind.Kit);
        return id;
    }

    /// <summary>
    /// The suspect: the file part <c>suspect</c> (an .onnx, or a tar of a folder when <paramref name="folderAllowed"/>)
    /// or the field <c>endpoint</c>, an Open Inference Protocol v2 URL on the allow-list, with <c>maxQueries</c> and
    /// <c>timeoutSeconds</c>. Credentials for endpoints are not taken from clients.
    /// </summary>
    public static SuspectSource Suspect(Upload upload, EndpointAllowList allowList, ApiOptions options, bool folderAllowed)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(allowList);
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = upload.Field("endpoint");
        var hasFile = upload.Files.ContainsKey("suspect");
        if (hasFile == (endpoint is not null))
        {
            throw new ModelShieldException(ErrorCodes.RequestMalformed, "Give exactly one suspect: the file part 'suspect', or the field 'endpoint'.");
        }

        var maxQueries = upload.Field("maxQueries") is { } text
            ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                : throw new ModelShieldException(ErrorCodes.RequestMalformed, $"Field 'maxQueries' must be a positive integer, not '{text}'.")
            : (long?)null;
        if (hasFile)
        {
            var model = ModelUploads.Prepare(upload, "suspect", options.MaxUploadBytes);
            var path = folderAllowed && model.IsFolder ? model.Path : ModelUploads.OnnxFile(model, upload.Field("path"));
            return SuspectSource.File(path) with { MaxQueries = maxQueries };
        }

        var url = allowList.Check(endpoint!);
        return SuspectSource.Remote(url.ToString()) with
        {
            MaxQueries = maxQueries,
            Timeout = TimeSpan.FromSeconds(upload.Integer("timeoutSeconds", 30, 1, 600)),
        };
    }

    /// <summary>The file part <c>nullModels</c>: a tar of independent .onnx models, unpacked; null when absent.</summary>
    public static string? NullModels(Upload upload, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(options);
        if (!upload.Files.ContainsKey("nullModels"))
        {
            return null;
        }

        var folder = ModelUploads.Prepare(upload, "nullModels", options.MaxUploadBytes);
        return folder.IsFolder ? folder.Path : throw new ModelShieldException(ErrorCodes.RequestMalformed, "The part 'nullModels' must be a tar of .onnx files.");
    }

    /// <summary>The file part <c>original</c>: the owner's model (.onnx); null when absent.</summary>
    public static string? Original(Upload upload, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(options);
        return upload.Files.ContainsKey("original") ? ModelUploads.OnnxFile(ModelUploads.Prepare(upload, "original", options.MaxUploadBytes), null) : null;
    }

    /// <summary>The field <c>data</c>: the name of a data folder the server's configuration lists; null when absent.</summary>
    public static string? DataFolder(Upload upload, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(options);
        var name = upload.Field("data");
        if (name is null)
        {
            return null;
        }

        return options.DataFolders.TryGetValue(name, out var path)
            ? path
            : throw new ModelShieldException(ErrorCodes.RequestMalformed,
                $"No data folder '{name}' is configured (known: {string.Join(", ", options.DataFolders.Keys.Order(StringComparer.Ordinal))}).");
    }

    /// <summary>The field <c>alpha</c>, in (0, 1); the library's default when absent.</summary>
    public static double Alpha(Upload upload)
    {
        ArgumentNullException.ThrowIfNull(upload);
        return upload.Number("alpha", 1e-300, 0.999_999) ?? HypothesisTest.DefaultAlpha;
    }

    /// <summary>
    /// The trust a signature is checked under: exactly one of the fields <c>keyId</c> (the public half of a key store
    /// signing key) or <c>policy</c> (a configured policy), or the file parts <c>publicKey</c> or <c>trustRoot</c>.
    /// None: null, or MS1054 when <paramref name="required"/>. Keys made here are added to <paramref name="owned"/>.
    /// </summary>
    public static TrustPolicy? Trust(Upload upload, ServerKeyStore keyStore, ApiOptions options, List<ECDsa> owned, bool required)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(keyStore);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(owned);
        var keyId = upload.Field("keyId");
        var policyName = upload.Field("policy");
        upload.Files.TryGetValue("publicKey", out var publicKey);
        upload.Files.TryGetValue("trustRoot", out var trustRoot);
        var given = (keyId is null ? 0 : 1) + (policyName is null ? 0 : 1) + (publicKey is null ? 0 : 1) + (trustRoot is null ? 0 : 1);
        if (given > 1 || (given == 0 && required))
        {
            throw new ModelShieldException(ErrorCodes.RequestMalformed, "Give exactly one of the fields keyId or policy, or the file parts publicKey or trustRoot.");
        }

        if (keyId is not null)
        {
            using var key = keyStore.OpenSigningKey(keyId);
            owned.Add(ECDsa.Create(key.Key.ExportParameters(includePrivateParameters: false)));
            return TrustPolicy.ForPublicKeys(owned);
        }

        if (publicKey is not null)
        {
            owned.Add(SigningKeys.LoadPublicKey(publicKey.Path));
            return TrustPolicy.ForPublicKeys(owned);
        }

        if (trustRoot is not null)
        {
            return TrustPolicy.ForRoots(SigningKeys.LoadCertificates(trustRoot.Path));
        }

        if (policyName is null)
        {
            return null;
        }

        return options.TrustPolicies.TryGetValue(policyName, out var path)
            ? TrustPolicy.Load(path)
            : throw new ModelShieldException(ErrorCodes.RequestMalformed,
                $"No trust policy '{policyName}' is configured (known: {string.Join(", ", options.TrustPolicies.Keys.Order(StringComparer.Ordinal))}).");
    }
}
