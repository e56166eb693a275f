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
using ModelShield.Errors;
using ModelShield.Protection.Watermarks;
using ModelShield.Watermarking.Triggers;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>POST /v1/watermarks/embed</c> (role release; a job: trigger sets train) marks a copy of an uploaded model with a
/// kit from the key store and adds the entry to that kit; <c>POST /v1/watermarks/detect</c> (role investigate) tests a
/// suspect. Both call <see cref="WeightMarking"/> and <see cref="TriggerMarking"/>, as the CLI does.
/// </summary>
internal static class WatermarkEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var group = api.MapGroup("/watermarks").WithTags("watermarks");
        group.MapPost("/embed", EmbedAsync)
            .RequireAuthorization(ApiRoles.Release)
            .Accepts<EmbedForm>("multipart/form-data")
            .WithName("EmbedWatermark")
            .WithSummary("Embed a watermark (scheme weights or triggers) with a key store kit; a job whose files hold the marked model.");
        group.MapPost("/detect", DetectAsync)
            .RequireAuthorization(ApiRoles.Investigate)
            .Accepts<SuspectForm>("multipart/form-data")
            .WithName("DetectWatermark")
            .WithSummary("Detect a kit's watermarks in a suspect: weights (a file) or triggers (a file or an allowed endpoint).");
    }

    private static Task<IResult> EmbedAsync(HttpRequest request, ServerKeyStore keyStore, ApiOptions options) =>
        JobEndpoints.SubmitAsync(request, "watermark-embed", upload =>
        {
            var kitId = FormInputs.KitId(upload, keyStore);
            var scheme = Scheme(upload);
            var model = FormInputs.Model(upload, options);
            var data = FormInputs.DataFolder(upload, options);
            Func<Protection.Kits.KitAccess, string, CancellationToken, object> embed;
            if (scheme == TriggerWatermark.SchemeId)
            {
                var dataFolder = data ?? throw new ModelShieldException(ErrorCodes.RequestMalformed, "The triggers scheme fine-tunes: name a configured data folder in the field 'data'.");
                var count = upload.Integer("triggers", 100, 1, 10_000);
                var kind = upload.Field("triggerKind") ?? TriggerMarkRequest.DefaultKind;
                var epochs = upload.Field("epochs") is null ? (int?)null : upload.Integer("epochs", 0, 1, 1000);
                var learningRate = upload.Number("lr", 1e-7, 1);
                var weightNoise = upload.Number("weightNoise", 0, 10);
                embed = (kit, output, cancellationToken) => TriggerMarking.Embed(
                    new TriggerMarkRequest
                    {
                        ModelPath = model, Kit = kit, OutputPath = output, DataFolder = dataFolder, Triggers = count, Kind = kind, Epochs = epochs, LearningRate = learningRate,
                        WeightNoise = weightNoise,
                    },
                    cancellationToken);
            }
            else
            {
                var payload = upload.Field("payload");
                var payloadHex = upload.Field("payloadHex");
                var bits = upload.Integer("bits", WeightEmbedOptions.DefaultBits, 8, 4096);
                var margin = upload.Number("margin", 1e-6, 10) ?? WeightEmbedOptions.DefaultMargin;
                embed = (kit, output, cancellationToken) => WeightMarking.Embed(
                    new WeightMarkRequest
                    {
                        ModelPath = model, Kit = kit, OutputPath = output, PayloadText = payload, PayloadHex = payloadHex, Bits = bits, Margin = margin, DataFolder = data,
                    },
                    cancellationToken);
            }

            return async (output, cancellationToken) =>
            {
                using var lease = await keyStore.OpenKitAsync(kitId, forUpdate: true, cancellationToken).ConfigureAwait(false);
                var result = embed(lease.Access, Path.Combine(output, Path.GetFileName(model)), cancellationToken);
                lease.Commit();
                return result;
            };
        });

    private static async Task<IResult> DetectAsync(HttpRequest request, UploadReader reader, ServerKeyStore keyStore, EndpointAllowList allowList, ApiOptions options)
    {
        using var upload = await reader.ReadAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        var kitId = FormInputs.KitId(upload, keyStore);
        var scheme = Scheme(upload);
        var alpha = FormInputs.Alpha(upload);
        var suspect = FormInputs.Suspect(upload, allowList, options, folderAllowed: false);
        using var lease = await keyStore.OpenKitAsync(kitId, forUpdate: false, request.HttpContext.RequestAborted).ConfigureAwait(false);
        object report = scheme == TriggerWatermark.SchemeId
            ? await TriggerMarking.DetectAsync(suspect, lease.Access, FormInputs.NullModels(upload, options), upload.Field("entry"), alpha,
                upload.Flag("allTriggers"), request.HttpContext.RequestAborted).ConfigureAwait(false)
            : WeightMarking.Detect(suspect.ModelPath ?? throw new ModelShieldException(ErrorCodes.RequestMalformed, "The weights scheme reads weights: give the suspect as a file."),
                lease.Access, FormInputs.Original(upload, options), upload.Field("entry"), alpha);
        return TypedResults.Ok(ResultScrubber.Scrub(report, options.TempFolder!));
    }

    private static string Scheme(Upload upload) => (upload.Field("scheme") ?? WeightWatermark.SchemeId) switch
    {
        var s when s is WeightWatermark.SchemeId or TriggerWatermark.SchemeId => s,
        var other => throw new ModelShieldException(ErrorCodes.UnknownScheme, $"Unknown watermark scheme '{other}'; known: {WeightWatermark.SchemeId}, {TriggerWatermark.SchemeId}."),
    };
}
