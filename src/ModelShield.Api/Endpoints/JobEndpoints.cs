using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Auth;
using ModelShield.Api.Contracts;
using ModelShield.Api.Hosting;
using ModelShield.Api.Jobs;
using ModelShield.Api.Uploads;
using Microsoft.Extensions.DependencyInjection;
using ModelShield.Errors;
using ModelShield.IO;
using System.Formats.Tar;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>GET /v1/jobs/{id}</c>: a long operation's state and, once done, its result or error. Only the API key that
/// submitted a job can read it; to any other key it does not exist.
/// </summary>
internal static class JobEndpoints
{
    /// <summary>The route a job's status is read from.</summary>
    public static string StatusPath(string id) => $"/v1/jobs/{id}";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/jobs/{id}", (string id, ClaimsPrincipal user, JobQueue jobs, ApiOptions options) =>
                TypedResults.Ok(Describe(jobs.Get(id, user.Identity!.Name!), options)))
            .RequireAuthorization(ApiRoles.AnyKey)
            .WithName("GetJob")
            .WithTags("jobs")
            .WithSummary("A job's status, and its result or error once finished.");
        api.MapGet("/jobs/{id}/files/{**path}", (string id, string path, ClaimsPrincipal user, JobQueue jobs) =>
                TypedResults.File(File.OpenRead(OutputPath(jobs.Get(id, user.Identity!.Name!), path)), "application/octet-stream", Path.GetFileName(path)))
            .RequireAuthorization(ApiRoles.AnyKey)
            .WithName("GetJobFile")
            .WithTags("jobs")
            .WithSummary("Download one file a finished job wrote (e.g. release/model.onnx, report.html).");
        api.MapGet("/jobs/{id}/archive", (string id, ClaimsPrincipal user, JobQueue jobs) =>
                TypedResults.Stream(stream => ArchiveAsync(Finished(jobs.Get(id, user.Identity!.Name!)).OutputFolder, stream), "application/x-tar", $"{id}.tar"))
            .RequireAuthorization(ApiRoles.AnyKey)
            .WithName("GetJobArchive")
            .WithTags("jobs")
            .WithSummary("Download everything a finished job wrote, as one tar (e.g. a whole protected release).");
    }

    /// <summary>
    /// Reads the request's upload, lets <paramref name="prepare"/> check every input and return the work, and queues
    /// it as a job owning the upload; answers 202 with the status URL in Location. Anything refused before the job
    /// is queued is answered at once, and the upload is deleted.
    /// </summary>
    public static async Task<IResult> SubmitAsync(HttpRequest request, string kind, Func<Upload, Func<string, CancellationToken, Task<object>>> prepare)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(prepare);
        var services = request.HttpContext.RequestServices;
        var upload = await services.GetRequiredService<UploadReader>().ReadAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        try
        {
            var work = prepare(upload);
            var job = services.GetRequiredService<JobQueue>().Submit(kind, request.HttpContext.User.Identity!.Name!, work, upload);
            return TypedResults.Accepted(StatusPath(job.Id), Describe(job, services.GetRequiredService<ApiOptions>()));
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    private static Job Finished(Job job) => job.Snapshot().State == JobState.Succeeded
        ? job
        : throw new ModelShieldException(ErrorCodes.JobNotFound, $"Job '{job.Id}' has no files: it has not succeeded (see its status).");

    private static string OutputPath(Job job, string relative)
    {
        var path = SafePath.ResolveInside(Finished(job).OutputFolder, relative, "file", ErrorCodes.RequestMalformed);
        return File.Exists(path) ? path : throw new ModelShieldException(ErrorCodes.JobNotFound, $"Job '{job.Id}' wrote no file '{relative}'.");
    }

    private static async Task ArchiveAsync(string folder, Stream output)
    {
        // Written straight to the response: a release is never assembled in memory.
        await TarFile.CreateFromDirectoryAsync(folder, output, includeBaseDirectory: false).ConfigureAwait(false);
    }

    private static JobResponse Describe(Job job, ApiOptions options)
    {
        var s = job.Snapshot();
        return new JobResponse(job.Id, job.Kind, JsonNamingPolicy.CamelCase.ConvertName(s.State.ToString()), job.CreatedUtc, s.Started, s.Finished,
            ResultScrubber.Scrub(s.Result, options.TempFolder!),
            s.Code is null ? null : new JobError(s.Code, ApiExceptionHandler.Scrub(s.Message ?? "", options.TempFolder!)));
    }
}
