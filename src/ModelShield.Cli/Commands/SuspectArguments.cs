using ModelShield.Errors;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Protection.Suspects;

namespace ModelShield.Cli.Commands;

/// <summary>Turns the suspect options every black-box command takes (a file or --endpoint, --header, --timeout, --max-queries) into a source.</summary>
internal static class SuspectArguments
{
    public static SuspectSource Create(string? suspect, string? endpoint, string[]? header, double? timeout, long? maxQueries)
    {
        var source = SuspectSource.FromArguments(suspect, endpoint);
        if (suspect is not null && (timeout is not null || header is { Length: > 0 }))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--header and --timeout apply to --endpoint only.");
        }

        if (timeout is double seconds && !(seconds > 0 && seconds <= 3600))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--timeout must be more than 0 and at most 3600 seconds.");
        }

        source = source with { MaxQueries = maxQueries, Headers = (header ?? []).Select(EndpointHeader.Parse).ToList() };
        return timeout is double t ? source with { Timeout = TimeSpan.FromSeconds(t) } : source;
    }
}
