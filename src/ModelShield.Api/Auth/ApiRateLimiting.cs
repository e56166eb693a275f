using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using ModelShield.Api.Hosting;
using ModelShield.Errors;

namespace ModelShield.Api.Auth;

/// <summary>
/// A token bucket per API key (by its configured name); requests without a valid key share one bucket per client
/// address, so that guessing keys is throttled too. Over the limit: 429 with Retry-After and MS1052.
/// </summary>
internal static class ApiRateLimiting
{
    /// <summary>Configures ASP.NET Core's rate limiter from <paramref name="limits"/>.</summary>
    public static void Configure(RateLimiterOptions options, RateLimitOptions limits)
    {
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.Burst,
            TokensPerPeriod = Math.Max(1, limits.PermitsPerMinute / 60),
            ReplenishmentPeriod = TimeSpan.FromSeconds(limits.PermitsPerMinute >= 60 ? 1 : 60.0 / limits.PermitsPerMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => bucket));
        options.OnRejected = async (context, _) =>
        {
            var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await ApiProblems.WriteAsync(context.HttpContext, ErrorCodes.ApiRateLimited,
                $"Too many requests for this API key; retry after {seconds} s.").ConfigureAwait(false);
        };
    }

    private static string PartitionKey(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } name }
            ? "key:" + name
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
