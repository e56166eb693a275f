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
using ModelShield.Protection.Fingerprints;
using ModelShield.Training;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>POST /v1/fingerprints/record</c> (role release; a job: it may train reference models) records a model's
/// fingerprint into a key store kit; <c>POST /v1/fingerprints/compare</c> (role investigate) compares a suspect file or
/// allowed endpoint with it. Both call <see cref="FingerprintRecording"/> and <see cref="FingerprintMatching"/>.
/// </summary>
internal static class FingerprintEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/fingerprints").WithTags("fingerprints");
        group.MapPost("/record", RecordAsync)
            .RequireAuthorization(ApiRoles.Release)
            .Accepts<RecordForm>("multipart/form-data")
            .WithName("RecordFingerprint")
            .WithSummary("Record a model's fingerprint into a key store kit (null models as a tar, or reference models trained on a configured data folder); a job.");
        group.MapPost("/compare", CompareAsync)
            .RequireAuthorization(ApiRoles.Investigate)
            .Accepts<SuspectForm>("multipart/form-data")
            .WithName("CompareFingerprint")
            .WithSummary("Compare a suspect (a file, or an allowed Open Inference Protocol endpoint) with a kit's fingerprint.");
    }

    private static Task<IResult> RecordAsync(HttpRequest request, ServerKeyStore keyStore, ApiOptions options) =>
        JobEndpoints.SubmitAsync(request, "fingerprint-record", upload =>
        {
            var kitId = FormInputs.KitId(upload, keyStore);
            var model = FormInputs.Model(upload, options);
            var data = FormInputs.DataFolder(upload, options);
            var nullModels = FormInputs.NullModels(upload, options);
            var queries = upload.Integer("queries", 100, 1, 10_000);
            var referenceModels = upload.Integer("referenceModels", LabFingerprintQueries.DefaultReferenceModels, 3, 100);
            return async (_, cancellationToken) =>
            {
                using var lease = await keyStore.OpenKitAsync(kitId, forUpdate: true, cancellationToken).ConfigureAwait(false);
                var result = await FingerprintRecording.RecordAsync(new FingerprintRecordRequest
                {
                    ModelPath = model, Kit = lease.Access, DataFolder = data, Queries = queries, NullModels = nullModels, ReferenceModels = referenceModels,
                }, cancellationToken).ConfigureAwait(false);
                lease.Commit();
                return result;
            };
        });

    private static async Task<IResult> CompareAsync(HttpRequest request, UploadReader reader, ServerKeyStore keyStore, EndpointAllowList allowList, ApiOptions options)
    {
        using var upload = await reader.ReadAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        var kitId = FormInputs.KitId(upload, keyStore);
        var alpha = FormInputs.Alpha(upload);
        var suspect = FormInputs.Suspect(upload, allowList, options, folderAllowed: false);
        using var lease = await keyStore.OpenKitAsync(kitId, forUpdate: false, request.HttpContext.RequestAborted).ConfigureAwait(false);
        var report = await FingerprintMatching.CompareAsync(suspect, lease.Access, upload.Field("entry"), alpha, request.HttpContext.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(ResultScrubber.Scrub(report, options.TempFolder!));
    }
}
