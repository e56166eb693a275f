using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using ModelShield.Errors;

namespace ModelShield.Api.Hosting;

/// <summary>
/// Every error the API answers is RFC 9457 ProblemDetails carrying the stable ModelShield error code in the
/// extension <c>code</c>; this is the one place that maps codes to HTTP statuses (docs/error-codes.md).
/// </summary>
internal static class ApiProblems
{
    /// <summary>The ProblemDetails extension holding the ModelShield error code.</summary>
    public const string CodeExtension = "code";

    /// <summary>The HTTP status an error code is answered with.</summary>
    public static int StatusFor(string code) => code switch
    {
        ErrorCodes.ApiKeyMissing => StatusCodes.Status401Unauthorized,
        ErrorCodes.ApiRoleForbidden or ErrorCodes.EndpointNotAllowed => StatusCodes.Status403Forbidden,
        ErrorCodes.KeyStoreIdUnknown or ErrorCodes.JobNotFound => StatusCodes.Status404NotFound,
        ErrorCodes.UploadTooLarge or ErrorCodes.ModelTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.ApiRateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.JobQueueFull => StatusCodes.Status503ServiceUnavailable,
        // The suspect endpoint (upstream) failed or answered nonsense: the request itself was fine.
        ErrorCodes.EndpointUnreachable or ErrorCodes.EndpointRefused or ErrorCodes.EndpointUnauthorized or ErrorCodes.ResponseTooLarge
            or ErrorCodes.ResponseMalformed or ErrorCodes.AnswersInvalid => StatusCodes.Status502BadGateway,
        ErrorCodes.EndpointTimeout or ErrorCodes.JobTimedOut or ErrorCodes.RequestTimedOut => StatusCodes.Status504GatewayTimeout,
        ErrorCodes.Internal or ErrorCodes.ApiConfigInvalid or ErrorCodes.KeyStoreEntryInvalid or ErrorCodes.IoFailure => StatusCodes.Status500InternalServerError,
        // Anything else is input the server cannot use: a malformed model, kit, signature or argument.
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>A ProblemDetails for <paramref name="code"/>.</summary>
    public static ProblemDetails Create(string code, string detail)
    {
        var status = StatusFor(code);
        var problem = new ProblemDetails
        {
            Status = status,
            Title = ReasonPhrase(status),
            Detail = detail,
            Type = $"https://modelshield.dev/errors/{code}",
        };
        problem.Extensions[CodeExtension] = code;
        return problem;
    }

    /// <summary>Writes the problem for <paramref name="code"/> as the response (status included).</summary>
    public static async Task WriteAsync(HttpContext context, string code, string detail)
    {
        var problem = Create(code, detail);
        context.Response.StatusCode = problem.Status!.Value;
        var service = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (!await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).ConfigureAwait(false))
        {
            await context.Response.WriteAsJsonAsync(problem, options: null, contentType: "application/problem+json").ConfigureAwait(false);
        }
    }

    private static string ReasonPhrase(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
}
