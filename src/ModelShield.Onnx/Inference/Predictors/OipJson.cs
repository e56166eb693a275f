using System.Globalization;
using System.Text.Json;
using ModelShield.Errors;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>
/// The JSON documents of the Open Inference Protocol v2 REST API that a predictor uses: model metadata, the
/// inference request, and the inference response. Readers trust nothing: every field is checked for presence and type.
/// </summary>
internal static class OipJson
{
    public static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 64 };

    /// <summary>Reads <c>{"name", "inputs": [{"name","datatype","shape"}], "outputs": [...]}</c>.</summary>
    public static (IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs) ReadMetadata(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(source, "the model metadata is not a JSON object");
        }

        return (Tensors(root, "inputs", source), Tensors(root, "outputs", source));
    }

    /// <summary>Writes <c>{"inputs": [{"name","shape","datatype":"FP32","data"}], "outputs": [{"name"}]}</c>, data flat in row-major order.</summary>
    public static byte[] WriteRequest(PredictorDescription description, float[] rows, int count)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("inputs");
            json.WriteStartObject();
            json.WriteString("name", description.InputName);
            json.WriteStartArray("shape");
            json.WriteNumberValue(count);
            foreach (var d in description.InputShape.Skip(1))
            {
                json.WriteNumberValue(d);
            }

            json.WriteEndArray();
            json.WriteString("datatype", "FP32");
            json.WriteStartArray("data");
            foreach (var v in rows)
            {
                json.WriteNumberValue(v);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            // Asking for the one output read keeps responses small on multi-output models.
            json.WriteStartArray("outputs");
            json.WriteStartObject();
            json.WriteString("name", description.OutputName);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads the chosen output of <c>{"outputs": [{"name","shape","datatype","data"}]}</c>.</summary>
    public static RawAnswer ReadAnswer(JsonElement root, PredictorDescription description)
    {
        var source = description.Source;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(source, "the inference response has no \"outputs\" array");
        }

        var output = outputs.EnumerateArray().FirstOrDefault(o =>
            o.ValueKind == JsonValueKind.Object && o.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
            && Text(n, source, "an output name") == description.OutputName);
        if (output.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(source, $"the inference response has no output named '{description.OutputName}'");
        }

        var tensor = Tensor(output, source);
        var expected = 1L;
        foreach (var d in tensor.Shape)
        {
            if (d < 0)
            {
                throw Malformed(source, $"output '{tensor.Name}' has a variable dimension in an answer");
            }

            // Held at 2^31 (more values than any response holds) so that no number of dims can wrap the product.
            expected = d == 0 ? 0 : Math.Min(expected, int.MaxValue + 1L) * Math.Min(d, int.MaxValue);
        }

        if (!output.TryGetProperty("data", out var data))
        {
            throw Malformed(source, $"output '{tensor.Name}' has no \"data\"");
        }

        var values = new List<JsonElement>();
        Flatten(data, values, source, tensor.Name);
        if (values.Count != expected)
        {
            throw Malformed(source, $"output '{tensor.Name}' has {values.Count} values for its shape [{TensorSignature.Format(tensor.Shape)}]");
        }

        var rows = tensor.Shape.Length > 0 ? (int)Math.Min(tensor.Shape[0], int.MaxValue) : 0;
        if (description.Answers == AnswerKind.Scores)
        {
            if (!TensorSignature.IsFloat(tensor.Datatype) || tensor.Shape.Length != 2)
            {
                throw Invalid(source, $"output '{tensor.Name}' is {tensor.Datatype} [{TensorSignature.Format(tensor.Shape)}], not float scores [rows, classes]");
            }

            return new RawAnswer(rows, (int)Math.Min(tensor.Shape[1], int.MaxValue), values.Select(v => Score(v, source)).ToArray(), null);
        }

        var isLabels = TensorSignature.IsInteger(tensor.Datatype) || tensor.Datatype == "BYTES";
        if (!isLabels || tensor.Shape.Length is 0 or > 2 || (tensor.Shape.Length == 2 && tensor.Shape[1] != 1))
        {
            throw Invalid(source, $"output '{tensor.Name}' is {tensor.Datatype} [{TensorSignature.Format(tensor.Shape)}], not labels [rows]");
        }

        return new RawAnswer(rows, 1, null, values.Select(v => Label(v, source)).ToArray());
    }

    public static ModelShieldException Malformed(string source, string why) =>
        new(ErrorCodes.ResponseMalformed, $"{source} sent a malformed answer: {why}.");

    private static ModelShieldException Invalid(string source, string why) =>
        new(ErrorCodes.AnswersInvalid, $"{source} answered wrongly: {why}.");

    private static List<TensorSignature> Tensors(JsonElement root, string property, string source)
    {
        if (!root.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(source, $"the model metadata has no \"{property}\" array");
        }

        return array.EnumerateArray().Select(t => Tensor(t, source)).ToList();
    }

    private static TensorSignature Tensor(JsonElement tensor, string source)
    {
        if (tensor.ValueKind != JsonValueKind.Object
            || !tensor.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || !tensor.TryGetProperty("datatype", out var datatype) || datatype.ValueKind != JsonValueKind.String
            || !tensor.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(source, "a tensor lacks a string \"name\", a string \"datatype\" or a \"shape\" array");
        }

        var tensorName = Text(name, source, "a tensor name");
        var dims = shape.EnumerateArray()
            .Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var v) && v >= -1 ? v
                : throw Malformed(source, $"tensor '{Shorten(tensorName)}' has a shape that is not a list of integers"))
            .ToArray();
        return new TensorSignature(tensorName, Text(datatype, source, $"the datatype of tensor '{Shorten(tensorName)}'"), dims);
    }

    /// <summary>A JSON string's text; one that is not valid UTF-8, or escapes half a surrogate pair, is a malformed answer.</summary>
    private static string Text(JsonElement value, string source, string what)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Malformed(source, $"{what} is not valid text");
        }
    }

    // The protocol allows tensor data flat or nested as the tensor's dimensions, always in row-major order.
    private static void Flatten(JsonElement data, List<JsonElement> into, string source, string name)
    {
        if (data.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(source, $"output '{name}' data is not an array");
        }

        foreach (var item in data.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array)
            {
                Flatten(item, into, source, name);
            }
            else
            {
                into.Add(item);
            }
        }
    }

    private static float Score(JsonElement value, string source) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d)
            ? (float)d // Out-of-range values become infinite here and are refused with the other non-finite ones.
            : throw Malformed(source, $"score {Shorten(value.GetRawText())} is not a number");

    private static long Label(JsonElement value, string source) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.String => Text(value, source, "a label") is var text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
            ? l
            : throw new ModelShieldException(
                ErrorCodes.SuspectUnsupported, $"{source} answers class names ('{Shorten(text)}'), not class indices; they cannot be compared."),
        _ => throw Malformed(source, $"label {Shorten(value.GetRawText())} is not an integer"),
    };

    internal static string Shorten(string text)
    {
        var clean = new string(text.Take(200).Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return text.Length > 200 ? clean + "..." : clean;
    }
}
