using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using ModelShield.Errors;

namespace ModelShield.Fingerprinting.Queries;

/// <summary>
/// The secret fingerprint queries: float32 input rows (each of shape <see cref="RowShape"/>, the model's input
/// without its batch dimension) and how each was made. Stored in the owner kit as they are, so that a comparison
/// sends exactly what the owner's model answered at record time.
/// </summary>
public sealed class QuerySet
{
    /// <summary>Checks that the rows, their shape and their kinds fit together.</summary>
    public QuerySet(IReadOnlyList<int> rowShape, float[] inputs, IReadOnlyList<string> kinds)
    {
        ArgumentNullException.ThrowIfNull(rowShape);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(kinds);
        RowShape = [.. rowShape];
        RowSize = RowShape.Aggregate(1, (a, d) => a * d);
        if (RowShape.Count == 0 || RowShape.Any(d => d < 1) || kinds.Count == 0 || inputs.Length != kinds.Count * RowSize)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, $"{kinds.Count} queries of shape [{string.Join(", ", RowShape)}] need {kinds.Count * RowSize} values, not {inputs.Length}.");
        }

        if (inputs.Any(v => !float.IsFinite(v)))
        {
            throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, "A fingerprint query holds a value that is not finite.");
        }

        Inputs = inputs;
        Kinds = [.. kinds];
    }

    /// <summary>The shape of one row (e.g. [1, 28, 28]).</summary>
    public IReadOnlyList<int> RowShape { get; }

    /// <summary>Float values per row.</summary>
    public int RowSize { get; }

    /// <summary>Number of queries.</summary>
    public int Count => Kinds.Count;

    /// <summary>How each query was made (<see cref="QueryKinds"/>), in row order.</summary>
    public IReadOnlyList<string> Kinds { get; }

    /// <summary>All rows, one after another.</summary>
#pragma warning disable CA1819 // Predictors take one flat float[]; a copy per comparison would cost for nothing.
    public float[] Inputs { get; }
#pragma warning restore CA1819

    /// <summary>The first <paramref name="count"/> rows, ready to send.</summary>
    public float[] Rows(int count) => Inputs.AsSpan(0, count * RowSize).ToArray();

    /// <summary>Indices of the queries of one kind, in row order.</summary>
    public IReadOnlyList<int> IndicesOf(string kind) => Enumerable.Range(0, Count).Where(i => Kinds[i] == kind).ToList();

    /// <summary>The set as kit JSON: shape, kinds, and the rows as base64 little-endian float32.</summary>
    public JsonObject ToJson() => new()
    {
        ["rowShape"] = new JsonArray([.. RowShape.Select(d => (JsonNode)d)]),
        ["kinds"] = new JsonArray([.. Kinds.Select(k => (JsonNode)k)]),
        ["inputsFloat32Base64"] = Convert.ToBase64String(MemoryMarshal.AsBytes(Inputs.AsSpan())),
    };

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static QuerySet FromJson(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var shape = json["rowShape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            var kinds = json["kinds"]!.AsArray().Select(k => k!.GetValue<string>()).ToArray();
            var bytes = Convert.FromBase64String(json["inputsFloat32Base64"]!.GetValue<string>());
            if (bytes.Length % sizeof(float) != 0)
            {
                throw new FormatException("The rows are not whole float32 values.");
            }

            return new QuerySet(shape, MemoryMarshal.Cast<byte, float>(bytes).ToArray(), kinds);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintEntryMalformed, $"The fingerprint's queries are malformed: {e.Message}", e);
        }
    }
}
