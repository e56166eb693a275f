using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Auth;
using ModelShield.Api.Contracts;
using ModelShield.Api.Hosting;
using ModelShield.Api.Jobs;
using ModelShield.Api.KeyStore;
using ModelShield.Api.Uploads;
using ModelShield.Protection.Protect;
using ModelShield.Training;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>POST /v1/protect</c> (role release; a job): the release workflow of <see cref="ReleaseProtection"/> with a kit and
/// a signing key from the key store. The signed release is in the job's files (<c>release/...</c>, or the whole of it
/// from <c>/v1/jobs/{id}/archive</c>).
/// </summary>
internal static class ProtectEndpoints
{
    /// <summary>The release folder's name among a protect job's files.</summary>
    public const string ReleaseFolder = "release";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/protect", ProtectAsync)
            .RequireAuthorization(ApiRoles.Release)
            .Accepts<ProtectForm>("multipart/form-data")
            .WithName("Protect")
            .WithTags("protect")
            .WithSummary("Watermark (trigger set with data, weights), fingerprint, and sign a release with key store secrets; a job.");
    }

    private static Task<IResult> ProtectAsync(HttpRequest request, ServerKeyStore keyStore, ApiOptions options) =>
        JobEndpoints.SubmitAsync(request, "protect", upload =>
        {
            var kitId = FormInputs.KitId(upload, keyStore);
            var keyId = upload.RequireField("keyId");
            keyStore.Require(keyId, KeyStoreEntryKind.SigningKey);
            var model = FormInputs.Model(upload, options);
            var data = FormInputs.DataFolder(upload, options);
            var nullModels = FormInputs.NullModels(upload, options);
            var payload = upload.Field("payload");
            var triggers = upload.Integer("triggers", 100, 0, 10_000);
            var triggerEpochs = upload.Field("triggerEpochs") is null ? (int?)null : upload.Integer("triggerEpochs", 0, 1, 1000);
            var triggerLearningRate = upload.Number("triggerLr", 1e-7, 1);
            var queries = upload.Integer("queries", 100, 1, 10_000);
            var referenceModels = upload.Integer("referenceModels", LabFingerprintQueries.DefaultReferenceModels, 3, 100);
            var cms = upload.Flag("cms");
            return async (output, cancellationToken) =>
            {
                using var key = keyStore.OpenSigningKey(keyId);
                using var lease = await keyStore.OpenKitAsync(kitId, forUpdate: true, cancellationToken).ConfigureAwait(false);
                var result = await ReleaseProtection.ProtectAsync(new ProtectRequest
                {
                    ModelPath = model,
                    Kit = lease.Access,
                    SigningKey = key.Key,
                    Certificate = key.Certificate,
                    Chain = key.Chain,
                    Cms = cms,
                    OutputFolder = Path.Combine(output, ReleaseFolder),
                    Payload = payload,
                    DataFolder = data,
                    Triggers = triggers,
                    TriggerEpochs = triggerEpochs,
                    TriggerLearningRate = triggerLearningRate,
                    Queries = queries,
                    NullModels = nullModels,
                    ReferenceModels = referenceModels,
                }, cancellationToken).ConfigureAwait(false);
                lease.Commit();
                return result;
            };
        });
}
