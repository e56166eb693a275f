using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelShield.Errors;

namespace ModelShield.Api.Hosting;

/// <summary>
/// Answers an endpoint's expected failures (unusable input, a refused upload) as ProblemDetails right where they
/// happen, so that they are not logged as server errors; anything else goes on to <see cref="ApiExceptionHandler"/>.
/// </summary>
internal sealed class ProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ModelShieldException { Code: not ErrorCodes.Internal } or BadHttpRequestException)
        {
            var (code, message) = ApiExceptionHandler.Describe(ex);
            var root = context.HttpContext.RequestServices.GetRequiredService<ApiOptions>().TempFolder!;
            var problem = ApiProblems.Create(code, ApiExceptionHandler.Scrub(message, root));
            return TypedResults.Problem(problem);
        }
    }
}
