using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Auth;
using ModelShield.Api.Contracts;
using ModelShield.Api.Hosting;
using ModelShield.Api.Jobs;

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
    }

    /// <summary>Submits a job and answers 202 with its status URL in Location.</summary>
    public static IResult Accepted(JobQueue jobs, ApiOptions options, ClaimsPrincipal user, string kind, Func<CancellationToken, Task<object>> work, IDisposable? resources)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(user);
        Job job;
        try
        {
            job = jobs.Submit(kind, user.Identity!.Name!, work, resources);
        }
        catch
        {
            resources?.Dispose();
            throw;
        }

        return TypedResults.Accepted(StatusPath(job.Id), Describe(job, options));
    }

    private static JobResponse Describe(Job job, ApiOptions options)
    {
        var s = job.Snapshot();
        return new JobResponse(job.Id, job.Kind, JsonNamingPolicy.CamelCase.ConvertName(s.State.ToString()), job.CreatedUtc, s.Started, s.Finished, s.Result,
            s.Code is null ? null : new JobError(s.Code, ApiExceptionHandler.Scrub(s.Message ?? "", options.TempFolder!)));
    }
}
