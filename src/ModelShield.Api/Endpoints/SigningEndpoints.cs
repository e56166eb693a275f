using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Auth;
using ModelShield.Api.Contracts;
using ModelShield.Api.Hosting;
using ModelShield.Api.KeyStore;
using ModelShield.Api.Uploads;
using ModelShield.Errors;
using ModelShield.Signing;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>POST /v1/sign</c> (role release) signs an uploaded model with a key that stays in the key store and answers the
/// bundle; <c>POST /v1/verify</c> (every role) checks an uploaded model against its bundle under a trust the caller
/// chooses. Both call <see cref="ModelSigner"/> and <see cref="ModelVerifier"/>, as the CLI does.
/// </summary>
internal static class SigningEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/sign", SignAsync)
            .RequireAuthorization(ApiRoles.Release)
            .Accepts<SignForm>("multipart/form-data")
            .WithName("Sign")
            .WithTags("signatures")
            .WithSummary("Sign every file of a model (OpenSSF Model Signing v1.0) with a key store key; answers the bundle.");
        api.MapPost("/verify", VerifyAsync)
            .RequireAuthorization(ApiRoles.Verifier)
            .Accepts<VerifyForm>("multipart/form-data")
            .WithName("Verify")
            .WithTags("signatures")
            .WithSummary("Verify a model against its bundle; a verdict against is 200 with verified=false and the issues.");
    }

    private static async Task<IResult> SignAsync(HttpRequest request, UploadReader reader, ServerKeyStore keyStore, ApiOptions options)
    {
        using var upload = await reader.ReadAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        var keyId = upload.RequireField("keyId");
        using var key = keyStore.OpenSigningKey(keyId);
        var model = ModelUploads.Prepare(upload, "model", options.MaxUploadBytes);
        var output = Path.Combine(upload.Area("out"), "model.sig");
        var result = ModelSigner.Sign(new SignRequest
        {
            ModelPath = model.Path,
            PrivateKey = key.Key,
            Certificate = key.Certificate,
            Chain = key.Chain,
            OutputPath = output,
            IgnorePaths = InsideModel(model, upload.List("ignore")),
            Shards = upload.Flag("shards"),
            Cms = upload.Flag("cms"),
        });
        using var bundle = JsonDocument.Parse(await File.ReadAllBytesAsync(output).ConfigureAwait(false));
        var cms = result.CmsPath is null ? null : Convert.ToBase64String(await File.ReadAllBytesAsync(result.CmsPath).ConfigureAwait(false));
        return TypedResults.Ok(new SignResponse(keyId, result.Method.ToString().ToLowerInvariant(), result.Serialization, result.Files, result.Resources,
            result.Bytes, result.SubjectDigest, result.IgnorePaths, bundle.RootElement.Clone(), cms));
    }

    private static async Task<IResult> VerifyAsync(HttpRequest request, UploadReader reader, ServerKeyStore keyStore, ApiOptions options)
    {
        using var upload = await reader.ReadAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        var trusted = new List<ECDsa>();
        try
        {
            var policy = FormInputs.Trust(upload, keyStore, options, trusted, required: true)!;
            var model = ModelUploads.Prepare(upload, "model", options.MaxUploadBytes);
            var result = ModelVerifier.Verify(new VerifyRequest
            {
                ModelPath = model.Path,
                SignaturePath = upload.Files.TryGetValue("signature", out var signature) ? signature.Path : null,
                Policy = policy,
                IgnorePaths = InsideModel(model, upload.List("ignore")),
                IgnoreUnsignedFiles = upload.Flag("ignoreUnsignedFiles"),
            });
            return TypedResults.Ok(VerifyResponse.From(result));
        }
        finally
        {
            trusted.ForEach(k => k.Dispose());
        }
    }

    /// <summary>Paths the client gave relative to the model root, as the library wants them (paths inside the model).</summary>
    private static List<string> InsideModel(ModelInput model, IReadOnlyList<string> relative) =>
        !model.IsFolder ? [] : relative.Select(r => IO.SafePath.WhyUnsafe(r) is { } why
            ? throw new ModelShieldException(ErrorCodes.RequestMalformed, $"Ignored path '{r}' is refused: {why}.")
            : Path.Combine(model.Path, r)).ToList();
}
