using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Auth;
using ModelShield.Api.Contracts;
using ModelShield.Api.Hosting;
using ModelShield.Api.Uploads;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Inspection;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>POST /v1/inspect</c>: what a model holds, as <c>modelshield inspect --json</c>. Any valid key may call it: parsing
/// an untrusted model costs the server, so it is not open to anonymous callers.
/// </summary>
internal static class InspectEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/inspect", InspectAsync)
            .RequireAuthorization(ApiRoles.AnyKey)
            .Accepts<ModelForm>("multipart/form-data")
            .WithName("Inspect")
            .WithTags("models")
            .WithSummary("Inspect a model: an .onnx file, or a tar of a model folder (field 'path' names the .onnx inside).");
    }

    private static async Task<IResult> InspectAsync(HttpRequest request, UploadReader reader, ApiOptions options)
    {
        using var upload = await reader.ReadAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        var model = ModelUploads.Prepare(upload, "model", options.MaxUploadBytes);
        var file = ModelUploads.OnnxFile(model, upload.Field("path"));
        var inspection = ModelInspector.Inspect(OnnxModel.Load(file, new ModelReadOptions { MaxModelBytes = options.MaxUploadBytes }));
        var root = model.IsFolder ? model.Path : Path.GetDirectoryName(model.Path)!;
        return TypedResults.Ok(inspection with { Path = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/') });
    }
}
