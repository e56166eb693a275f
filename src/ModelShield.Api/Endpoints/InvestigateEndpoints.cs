using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Auth;
using ModelShield.Api.Contracts;
using ModelShield.Api.Hosting;
using ModelShield.Api.Jobs;
using ModelShield.Api.KeyStore;
using ModelShield.Api.Uploads;
using ModelShield.Protection.Investigate;
using ModelShield.Protection.Reports;
using ModelShield.Signing;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>POST /v1/investigate</c> (role investigate; a job): <see cref="Investigation"/> of a suspect (an .onnx, a tar of a
/// release folder, or an allowed endpoint) against a key store kit, optionally checking its signature. The job's result
/// is the report; its files hold the HTML evidence report (<c>report.html</c>).
/// </summary>
internal static class InvestigateEndpoints
{
    /// <summary>The evidence report's name among an investigation job's files.</summary>
    public const string ReportFile = "report.html";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/investigate", InvestigateAsync)
            .RequireAuthorization(ApiRoles.Investigate)
            .Accepts<SuspectForm>("multipart/form-data")
            .WithName("Investigate")
            .WithTags("investigate")
            .WithSummary("Investigate a suspect with every test that applies; a job whose files hold the HTML evidence report.");
    }

    private static Task<IResult> InvestigateAsync(HttpRequest request, ServerKeyStore keyStore, EndpointAllowList allowList, ApiOptions options) =>
        JobEndpoints.SubmitAsync(request, "investigate", upload =>
        {
            var kitId = FormInputs.KitId(upload, keyStore);
            var suspect = FormInputs.Suspect(upload, allowList, options, folderAllowed: true);
            var original = FormInputs.Original(upload, options);
            var signature = upload.Files.TryGetValue("signature", out var part) ? part.Path : null;
            var nullModels = FormInputs.NullModels(upload, options);
            var alpha = FormInputs.Alpha(upload);

            // Read now so that an unusable trust is answered at once; the keys it holds live until the job ends.
            var trusted = new List<ECDsa>();
            TrustPolicy? trust;
            try
            {
                trust = FormInputs.Trust(upload, keyStore, options, trusted, required: false);
            }
            catch
            {
                trusted.ForEach(k => k.Dispose());
                throw;
            }

            return async (output, cancellationToken) =>
            {
                try
                {
                    using var lease = await keyStore.OpenKitAsync(kitId, forUpdate: false, cancellationToken).ConfigureAwait(false);
                    var report = await Investigation.InvestigateAsync(new InvestigateRequest
                    {
                        Suspect = suspect,
                        Kit = lease.Access,
                        Original = original,
                        SignaturePath = signature,
                        Trust = trust,
                        NullModels = nullModels,
                        Alpha = alpha,
                        Command = "POST /v1/investigate",
                    }, cancellationToken).ConfigureAwait(false);
                    EvidenceReport.Write(report, Path.Combine(output, ReportFile), overwrite: true);
                    return report;
                }
                finally
                {
                    trusted.ForEach(k => k.Dispose());
                }
            };
        });
}
