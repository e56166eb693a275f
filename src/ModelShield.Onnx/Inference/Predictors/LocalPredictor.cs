using System.Globalization;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>
/// Queries a local ONNX model through ONNX Runtime, with the same budget, batching and answer checks as a remote
/// endpoint, so that a file and a served copy of it give the same answers.
/// </summary>
public sealed class LocalPredictor : IPredictor
{
    private readonly OnnxInference _session;
    private readonly bool _ownsSession;
    private readonly QueryEngine _engine;

    /// <summary>Queries an open session; the session stays the caller's to dispose.</summary>
    public LocalPredictor(OnnxInference session, PredictorOptions? options = null)
        : this(session, options, ownsSession: false, source: "the local model")
    {
    }

    private LocalPredictor(OnnxInference session, PredictorOptions? options, bool ownsSession, string source)
    {
        ArgumentNullException.ThrowIfNull(session);
        options ??= PredictorOptions.Default;
        options.Validate();
        _session = session;
        _ownsSession = ownsSession;
        _engine = new QueryEngine(
            TensorSignature.Describe(source, session.Inputs.Select(Signature).ToList(), session.Outputs.Select(Signature).ToList(), options),
            options);
    }

    /// <inheritdoc/>
    public PredictorDescription Description => _engine.Description;

    /// <inheritdoc/>
    public long QueriesSpent => _engine.Spent;

    /// <inheritdoc/>
    public long? MaxQueries => _engine.MaxQueries;

    /// <summary>Opens a model file (its external data checked as by <see cref="OnnxInference.FromFile"/>) and owns the session.</summary>
    public static LocalPredictor Open(string modelPath, PredictorOptions? options = null, InferenceOptions? inference = null)
    {
        var session = OnnxInference.FromFile(modelPath, inference);
        try
        {
            return new LocalPredictor(session, options, ownsSession: true, source: modelPath);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<Predictions> PredictAsync(float[] batch, int count, CancellationToken cancellationToken = default) =>
        _engine.RunAsync(batch, count, RunAsync, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _engine.Dispose();
        if (_ownsSession)
        {
            _session.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private Task<RawAnswer> RunAsync(float[] rows, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var description = _engine.Description;
        var shape = description.InputShape.ToArray();
        shape[0] = count;
        _engine.Charge(count);
        var output = _session.Run([NamedTensor.OfSingles(description.InputName, rows, shape)])
            .First(o => o.Name == description.OutputName);
        var width = output.Shape.Length == 2 ? (int)output.Shape[1] : 1;
        var answered = output.Shape.Length > 0 ? (int)output.Shape[0] : 0;
        return Task.FromResult(description.Answers == AnswerKind.Scores
            ? new RawAnswer(answered, width, ToFloats(output.Data), null)
            : new RawAnswer(answered, 1, null, ToLongs(output.Data)));
    }

    private static float[] ToFloats(Array data) => data switch
    {
        float[] f => f,
        double[] d => Array.ConvertAll(d, v => (float)v),
        Half[] h => Array.ConvertAll(h, v => (float)v),
        _ => throw new InvalidOperationException($"Scores of {data.GetType().Name} were not expected."),
    };

    private static long[] ToLongs(Array data)
    {
        var longs = new long[data.Length];
        for (var i = 0; i < longs.Length; i++)
        {
            // uint64 labels above long.MaxValue become negative and are then refused as out of range.
            longs[i] = data.GetValue(i) is ulong u ? unchecked((long)u) : Convert.ToInt64(data.GetValue(i), CultureInfo.InvariantCulture);
        }

        return longs;
    }

    private static TensorSignature Signature(TensorSpec spec) => new(
        spec.Name,
        spec.ElementType switch
        {
            "float32" => "FP32",
            "float16" => "FP16",
            "float64" => "FP64",
            "string" => "BYTES",
            var t when t.StartsWith("int", StringComparison.Ordinal) || t.StartsWith("uint", StringComparison.Ordinal) => t.ToUpperInvariant(),
            var t => t,
        },
        spec.Dimensions.Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToArray());
}
