using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Contracts;

namespace ModelShield.Api.Endpoints;

/// <summary><c>GET /health</c>: liveness for load balancers and orchestrators; no key, no rate limit, nothing secret.</summary>
internal static class HealthEndpoints
{
    private static readonly string Version =
        typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", () => TypedResults.Ok(new HealthResponse("ok", Version)))
            .AllowAnonymous()
            .DisableRateLimiting()
            .WithName("Health")
            .WithTags("service")
            .WithSummary("Liveness: answers while the server runs.");
    }
}
