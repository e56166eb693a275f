using ModelShield.Errors;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>Options for querying an Open Inference Protocol v2 endpoint.</summary>
public sealed record OipPredictorOptions : PredictorOptions
{
    /// <summary>Defaults: 30 s per request, 16 MiB per response, 2 retries on connection failure.</summary>
    public static new OipPredictorOptions Default { get; } = new();

    /// <summary>The longest one request may take, connection, upload and the whole response included (<c>--timeout</c>).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Headers sent with every request, their values read from environment variables (<c>--header NAME=ENVVAR</c>).</summary>
    public IReadOnlyList<EndpointHeader> Headers { get; init; } = [];

    /// <summary>The largest response accepted, in bytes.</summary>
    public long MaxResponseBytes { get; init; } = 16 << 20;

    /// <summary>
    /// How many times a request is tried again when no connection could be made (so nothing was sent). Nothing
    /// else is retried: a request that reached the server may have been counted there.
    /// </summary>
    public int ConnectRetries { get; init; } = 2;

    /// <summary>The pause before the first retry; each further retry waits one more such pause.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    internal override void Validate()
    {
        base.Validate();
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"--timeout must be more than 0 and at most an hour, not {Timeout.TotalSeconds} s.");
        }

        if (MaxResponseBytes < 1024 || ConnectRetries < 0 || RetryDelay < TimeSpan.Zero)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "The response limit must be at least 1 KiB, and retries and their delay not negative.");
        }
    }
}

/// <summary>
/// A header sent to an endpoint, whose value is read from an environment variable when the predictor opens, so that
/// tokens never appear on a command line, in a log or in an error message.
/// </summary>
/// <param name="Name">The HTTP header name, e.g. <c>Authorization</c>.</param>
/// <param name="EnvironmentVariable">The variable holding the value, e.g. <c>SUSPECT_TOKEN</c>.</param>
public sealed record EndpointHeader(string Name, string EnvironmentVariable)
{
    /// <summary>Parses <c>NAME=ENVVAR</c> (the form of <c>--header</c>).</summary>
    public static EndpointHeader Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        var header = equals > 0 ? new EndpointHeader(spec[..equals].Trim(), spec[(equals + 1)..].Trim()) : null;
        if (header is null || !IsToken(header.Name) || header.EnvironmentVariable.Length == 0
            || header.EnvironmentVariable.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            throw new ModelShieldException(
                ErrorCodes.HeaderInvalid,
                $"--header '{spec}' is not NAME=ENVVAR (e.g. Authorization=SUSPECT_TOKEN, the variable holding 'Bearer ...').");
        }

        return header;
    }

    /// <summary>Reads the value; the message of a failure names the variable, never a value.</summary>
    internal string ReadValue()
    {
        if (!IsToken(Name))
        {
            throw new ModelShieldException(ErrorCodes.HeaderInvalid, $"'{Name}' is not a valid HTTP header name.");
        }

        var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ModelShieldException(
                ErrorCodes.HeaderInvalid, $"The environment variable {EnvironmentVariable} (for header {Name}) is not set or empty.");
        }

        // A line break would let the value smuggle further headers into the request.
        if (value.Any(c => c is '\r' or '\n' or '\0'))
        {
            throw new ModelShieldException(
                ErrorCodes.HeaderInvalid, $"The environment variable {EnvironmentVariable} (for header {Name}) holds a line break.");
        }

        return value.Trim();
    }

    // RFC 9110 token characters.
    private static bool IsToken(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
