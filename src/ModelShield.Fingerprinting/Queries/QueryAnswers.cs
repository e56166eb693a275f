using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Onnx.Inference.Predictors;

namespace ModelShield.Fingerprinting.Queries;

/// <summary>A model's answers to the first <see cref="Count"/> queries: labels always, probabilities when the model gives them.</summary>
public sealed class QueryAnswers
{
    /// <summary>Checks that labels and probabilities describe the same rows.</summary>
    public QueryAnswers(int[] labels, float[]? probabilities, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (classes < 2 || (probabilities is not null && probabilities.Length != labels.Length * classes))
        {
            throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, $"{labels.Length} answers of {classes} classes do not match {probabilities?.Length} probabilities.");
        }

        Labels = labels;
        Probabilities = probabilities;
        Classes = classes;
    }

    /// <summary>Rows answered.</summary>
    public int Count => Labels.Length;

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>The label of each row.</summary>
#pragma warning disable CA1819 // Comparators index these arrays directly.
    public int[] Labels { get; }

    /// <summary>Row-major [row, class] probabilities, or null when the model answered labels only.</summary>
    public float[]? Probabilities { get; }
#pragma warning restore CA1819

    /// <summary>One row's probabilities.</summary>
    public ReadOnlySpan<float> Row(int row) => Probabilities is null
        ? throw new InvalidOperationException("These answers are labels only.")
        : Probabilities.AsSpan(row * Classes, Classes);

    /// <summary>
    /// Sends the first <paramref name="count"/> queries to a predictor (one query per row) and keeps its answers;
    /// <paramref name="classes"/> is checked against score answers, or taken from them when null.
    /// </summary>
    public static async Task<QueryAnswers> AskAsync(IPredictor predictor, QuerySet queries, int count, int? classes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(queries);
        var shape = predictor.Description.InputShape.Skip(1).ToArray();
        if (!shape.SequenceEqual(queries.RowShape.Select(d => (long)d)))
        {
            throw new ModelShieldException(
                ErrorCodes.FingerprintIncompatible,
                $"The suspect takes rows of shape [{string.Join(", ", shape)}]; the fingerprint's queries are [{string.Join(", ", queries.RowShape)}].");
        }

        var predictions = await predictor.PredictAsync(queries.Rows(count), count, cancellationToken).ConfigureAwait(false);
        float[]? probabilities = null;
        if (predictions.Probabilities is { } p)
        {
            classes ??= p.GetLength(1);
            if (p.GetLength(1) != classes)
            {
                throw new ModelShieldException(ErrorCodes.FingerprintIncompatible, $"The suspect answers {p.GetLength(1)} classes; the owner's model has {classes}.");
            }

            probabilities = new float[count * classes.Value];
            Buffer.BlockCopy(p, 0, probabilities, 0, probabilities.Length * sizeof(float));
        }

        return new QueryAnswers(
            predictions.Labels,
            probabilities,
            classes ?? throw new ModelShieldException(ErrorCodes.FingerprintIncompatible, "The model answers labels only and the number of classes is unknown."));
    }

    /// <summary>The answers as kit JSON.</summary>
    public JsonObject ToJson() => new()
    {
        ["classes"] = Classes,
        ["labels"] = new JsonArray([.. Labels.Select(l => (JsonNode)l)]),
        ["probabilitiesFloat32Base64"] = Probabilities is null ? null : Convert.ToBase64String(MemoryMarshal.AsBytes(Probabilities.AsSpan())),
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static QueryAnswers FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var labels = json["labels"]!.AsArray().Select(l => l!.GetValue<int>()).ToArray();
            var encoded = json["probabilitiesFloat32Base64"]?.GetValue<string>();
            var probabilities = encoded is null ? null : MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(encoded)).ToArray();
            return new QueryAnswers(labels, probabilities, json["classes"]!.GetValue<int>());
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, $"The fingerprint's recorded answers are malformed: {e.Message}", e);
        }
    }
}
