using ModelShield.Errors;
using ModelShield.Onnx.Inference.Predictors;

namespace ModelShield.Protection.Suspects;

/// <summary>
/// Where a suspect's answers come from: a local ONNX file (run by ONNX Runtime) or a remote Open Inference Protocol v2
/// endpoint, with the query budget and, for an endpoint, its headers and timeout.
/// </summary>
public sealed record SuspectSource
{
    private SuspectSource(string? modelPath, string? endpoint)
    {
        ModelPath = modelPath;
        Endpoint = endpoint;
    }

    /// <summary>The suspect file; null for an endpoint.</summary>
    public string? ModelPath { get; }

    /// <summary>The endpoint's model URL (…/v2/models/NAME); null for a file.</summary>
    public string? Endpoint { get; }

    /// <summary>The most inputs ever sent; null for no limit.</summary>
    public long? MaxQueries { get; init; }

    /// <summary>Headers for the endpoint, their values read from environment variables.</summary>
    public IReadOnlyList<EndpointHeader> Headers { get; init; } = [];

    /// <summary>How long one request to the endpoint may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>What the suspect is, for reports: the file's full path or the URL.</summary>
    public string Name => ModelPath is null ? Endpoint! : System.IO.Path.GetFullPath(ModelPath);

    /// <summary>A local model file.</summary>
    public static SuspectSource File(string modelPath)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        return new SuspectSource(modelPath, null);
    }

    /// <summary>A remote Open Inference Protocol v2 model.</summary>
    public static SuspectSource Remote(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return new SuspectSource(null, endpoint);
    }

    /// <summary>Exactly one of a file and an endpoint, as a command line gives them; anything else is bad usage.</summary>
    public static SuspectSource FromArguments(string? modelPath, string? endpoint) =>
        (modelPath is null) == (endpoint is null)
            ? throw new ModelShieldException(ErrorCodes.BadUsage, "Give exactly one suspect: a model file, or an endpoint URL.")
            : modelPath is not null ? File(modelPath) : Remote(endpoint!);

    /// <summary>Opens the suspect for querying; <paramref name="classes"/> tells a labels-only endpoint how many classes to expect.</summary>
    internal async Task<IPredictor> OpenAsync(int? classes, CancellationToken cancellationToken)
    {
        if (ModelPath is not null)
        {
            if (Headers.Count > 0)
            {
                throw new ModelShieldException(ErrorCodes.BadUsage, "Headers apply to an endpoint only.");
            }

            return LocalPredictor.Open(ModelPath, new PredictorOptions { MaxQueries = MaxQueries, Classes = classes });
        }

        if (!(Timeout > TimeSpan.Zero && Timeout <= TimeSpan.FromHours(1)))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "The endpoint timeout must be more than 0 and at most 3600 seconds.");
        }

        return await OipPredictor.ConnectAsync(Endpoint!, new OipPredictorOptions { MaxQueries = MaxQueries, Classes = classes, Timeout = Timeout, Headers = Headers }, cancellationToken).ConfigureAwait(false);
    }
}
