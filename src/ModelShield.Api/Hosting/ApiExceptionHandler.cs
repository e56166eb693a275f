using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ModelShield.Errors;

namespace ModelShield.Api.Hosting;

/// <summary>
/// Turns exceptions into ProblemDetails: a <see cref="ModelShieldException"/> keeps its code; a body over Kestrel's
/// limit is MS1053; anything else is MS9999 without its message (which might name server internals).
/// Messages lose the server's upload folder, so answers never reveal where the server keeps files.
/// </summary>
internal sealed partial class ApiExceptionHandler(ApiOptions options, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (code, detail) = Describe(exception);
        if (code == ErrorCodes.Internal)
        {
            LogInternal(logger, exception, httpContext.Request.Path);
        }

        if (!httpContext.Response.HasStarted)
        {
            await ApiProblems.WriteAsync(httpContext, code, Scrub(detail, options.TempFolder!)).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>The code and message an exception is reported with.</summary>
    public static (string Code, string Message) Describe(Exception exception) => exception switch
    {
        ModelShieldException ms => (ms.Code, ms.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (ErrorCodes.UploadTooLarge, "The request body exceeds the server's size limit."),
        BadHttpRequestException bad => (ErrorCodes.RequestMalformed, $"Malformed request: {bad.Message}"),
        _ => (ErrorCodes.Internal, "Internal error; the server log has the details."),
    };

    /// <summary>Removes the upload folder's path from a message: the client knows its files by their own names.</summary>
    public static string Scrub(string message, string root)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(root);
        var index = message.IndexOf(root, StringComparison.Ordinal);
        while (index >= 0)
        {
            // Drop "<root>/requests/<request>/<area>/" (or "<root>/jobs/<job>/out/") and keep the name inside.
            var end = index + root.Length;
            for (var separators = 0; end < message.Length && separators < 4; end++)
            {
                if (message[end] == '/')
                {
                    separators++;
                }
                else if (message[end] is '\'' or '"' or ' ')
                {
                    break;
                }
            }

            message = string.Concat(message.AsSpan(0, index), message.AsSpan(end));
            index = message.IndexOf(root, StringComparison.Ordinal);
        }

        return message;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Internal error on {Path}")]
    private static partial void LogInternal(ILogger logger, Exception exception, PathString path);
}
