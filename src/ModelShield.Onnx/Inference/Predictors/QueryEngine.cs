using ModelShield.Errors;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>What one request answered, before checks: scores [Rows, Width] or labels [Rows].</summary>
internal sealed record RawAnswer(int Rows, int Width, float[]? Scores, long[]? Labels);

/// <summary>
/// What every predictor does around its transport: the query budget, splitting a call into requests, checking
/// each answer against the question, and turning scores into probabilities.
/// </summary>
internal sealed class QueryEngine : IDisposable
{
    // float32 softmax sums to 1 within ~1e-6; fp16 models round to ~1e-3.
    private const double SumTolerance = 2e-3;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly PredictorOptions _options;
    private long _spent;
    private bool? _logits;

    public QueryEngine(PredictorDescription description, PredictorOptions options)
    {
        Description = description;
        _options = options;
        _logits = options.Scores switch
        {
            ScoreKind.Logits => true,
            ScoreKind.Probabilities => false,
            _ => null,
        };
    }

    public PredictorDescription Description { get; private set; }

    public long Spent => Interlocked.Read(ref _spent);

    public long? MaxQueries => _options.MaxQueries;

    /// <summary>Counts rows as spent; transports call it once a request may have reached the suspect.</summary>
    public void Charge(int rows) => Interlocked.Add(ref _spent, rows);

    public async Task<Predictions> RunAsync(
        float[] batch, int count, Func<float[], int, CancellationToken, Task<RawAnswer>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rowSize = Description.RowSize;
        if ((long)count * rowSize != batch.Length)
        {
            throw new ArgumentException($"{count} rows of {rowSize} values need {(long)count * rowSize} values, not {batch.Length}.", nameof(batch));
        }

        // JSON has no NaN or infinity; such an input is a bug upstream, not something to send.
        if (!Array.TrueForAll(batch, float.IsFinite))
        {
            throw new ArgumentException("The batch holds NaN or infinite values.", nameof(batch));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (MaxQueries is { } max && Spent + count > max)
            {
                throw new ModelShieldException(
                    ErrorCodes.QueryBudgetExceeded,
                    $"Answering {count} more rows would spend {Spent + count} queries, over the limit of {max} ({Spent} spent); nothing was sent.");
            }

            var labels = new int[count];
            float[,]? probabilities = null;
            var softmax = false;
            for (var start = 0; start < count; start += Description.BatchSize)
            {
                var rows = Math.Min(Description.BatchSize, count - start);
                var slice = rows == count ? batch : batch.AsSpan(start * rowSize, rows * rowSize).ToArray();
                var answer = await query(slice, rows, cancellationToken).ConfigureAwait(false);
                if (answer.Rows != rows)
                {
                    throw Invalid($"{answer.Rows} rows answered for the {rows} sent");
                }

                if (Description.Answers == AnswerKind.Labels)
                {
                    AcceptLabels(answer.Labels!, labels, start);
                }
                else
                {
                    probabilities ??= new float[count, AcceptWidth(answer.Width)];
                    softmax |= AcceptScores(answer, labels, probabilities, start);
                }
            }

            if (Description.Answers == AnswerKind.Scores)
            {
                probabilities ??= new float[0, Description.Classes ?? 0];
            }

            return new Predictions(labels, probabilities, softmax);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private int AcceptWidth(int width)
    {
        if (Description.Classes is null && width is >= 2 and <= PredictorOptions.MaxClasses)
        {
            Description = Description with { Classes = width };
        }

        return Description.Classes == width ? width : throw Invalid($"{width} scores per row, not {Description.Classes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? $"2 to {PredictorOptions.MaxClasses}"}");
    }

    private void AcceptLabels(long[] answered, int[] labels, int start)
    {
        var limit = Description.Classes ?? int.MaxValue;
        for (var i = 0; i < answered.Length; i++)
        {
            labels[start + i] = answered[i] >= 0 && answered[i] < limit
                ? (int)answered[i]
                : throw Invalid($"label {answered[i]} is outside 0..{limit - 1}");
        }
    }

    private bool AcceptScores(RawAnswer answer, int[] labels, float[,] probabilities, int start)
    {
        var scores = answer.Scores!;
        var width = answer.Width;
        if (scores.Length != answer.Rows * width || !Array.TrueForAll(scores, float.IsFinite))
        {
            throw Invalid("scores are missing, NaN or infinite");
        }

        var allProbabilities = Enumerable.Range(0, answer.Rows).All(r => IsProbabilityVector(scores.AsSpan(r * width, width)));
        _logits ??= !allProbabilities;
        if (_logits == false && !allProbabilities)
        {
            throw Invalid(_options.Scores == ScoreKind.Probabilities
                ? "scores are not probabilities (a row is negative, above 1, or does not sum to 1); read them as logits"
                : "earlier answers were probabilities, this one is not");
        }

        for (var r = 0; r < answer.Rows; r++)
        {
            var row = scores.AsSpan(r * width, width);
            var max = double.NegativeInfinity;
            var best = 0;
            for (var c = 0; c < width; c++)
            {
                if (row[c] > max)
                {
                    max = row[c];
                    best = c;
                }
            }

            labels[start + r] = best;
            // Subtracting the maximum keeps exp() finite for any logits.
            var sum = 0.0;
            for (var c = 0; c < width; c++)
            {
                sum += _logits.Value ? Math.Exp(row[c] - max) : row[c];
            }

            for (var c = 0; c < width; c++)
            {
                probabilities[start + r, c] = _logits.Value ? (float)(Math.Exp(row[c] - max) / sum) : row[c];
            }
        }

        return _logits.Value;
    }

    private static bool IsProbabilityVector(ReadOnlySpan<float> row)
    {
        var sum = 0.0;
        foreach (var p in row)
        {
            if (p < -1e-6f || p > 1 + 1e-6f)
            {
                return false;
            }

            sum += p;
        }

        return Math.Abs(sum - 1) <= SumTolerance;
    }

    private ModelShieldException Invalid(string why) =>
        new(ErrorCodes.AnswersInvalid, $"{Description.Source} answered wrongly: {why}.");
}
