using ModelShield.Errors;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>How a suspect's float scores are read.</summary>
public enum ScoreKind
{
    /// <summary>
    /// Decided on the first answer: rows that are already probability vectors (each value in [0, 1], summing to 1)
    /// are taken as they are; otherwise every answer is treated as logits and goes through softmax.
    /// </summary>
    Auto,

    /// <summary>Probabilities; an answer whose rows are not probability vectors is an error (MS8008).</summary>
    Probabilities,

    /// <summary>Logits (or any unnormalized scores); softmax is always applied.</summary>
    Logits,
}

/// <summary>Options shared by every predictor.</summary>
public record PredictorOptions
{
    /// <summary>
    /// The most classes a suspect may have. Probabilities are kept as a [rows, classes] table sized by the first answer,
    /// so without a bound a suspect could make a large query cost gigabytes.
    /// </summary>
    public const int MaxClasses = 1 << 16;

    /// <summary>The defaults: no query limit, 64 rows per request, scores read with <see cref="ScoreKind.Auto"/>.</summary>
    public static PredictorOptions Default { get; } = new();

    /// <summary>The most rows ever sent (<c>--max-queries</c>); null for no limit.</summary>
    public long? MaxQueries { get; init; }

    /// <summary>The most rows in one request (smaller when the suspect's batch dimension is fixed).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>How float answers are turned into probabilities.</summary>
    public ScoreKind Scores { get; init; } = ScoreKind.Auto;

    /// <summary>The input to send rows to; needed only when the suspect has several.</summary>
    public string? InputName { get; init; }

    /// <summary>
    /// The output to read; by default the first float output (scores), else the first integer or BYTES one (labels).
    /// </summary>
    public string? OutputName { get; init; }

    /// <summary>
    /// The number of classes, when known from elsewhere (the owner's model): checked against score answers, and the
    /// only way to bound a labels-only suspect's labels.
    /// </summary>
    public int? Classes { get; init; }

    /// <summary>Refuses values that no command-line option could sensibly give.</summary>
    internal virtual void Validate()
    {
        if (MaxQueries < 0)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"--max-queries must be 0 or more, not {MaxQueries}.");
        }

        if (BatchSize < 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"The batch size must be at least 1, not {BatchSize}.");
        }

        if (Classes is < 2 or > MaxClasses)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"A classifier has 2 to {MaxClasses} classes, not {Classes}.");
        }
    }
}
