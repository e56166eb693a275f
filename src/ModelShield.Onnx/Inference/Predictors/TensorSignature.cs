using System.Globalization;
using ModelShield.Errors;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>
/// One input or output of a suspect, in the protocol's terms (datatype FP32, INT64, BYTES...; -1 for a variable
/// dimension), so that local files and endpoints are described, and chosen from, in one way.
/// </summary>
internal sealed record TensorSignature(string Name, string Datatype, long[] Shape)
{
    // Rows larger than this are not classifier inputs we could send in JSON anyway (16 M floats).
    private const long MaxRowSize = 1 << 24;

    public static bool IsFloat(string datatype) => datatype is "FP16" or "FP32" or "FP64";

    public static bool IsInteger(string datatype) =>
        datatype is "INT8" or "INT16" or "INT32" or "INT64" or "UINT8" or "UINT16" or "UINT32" or "UINT64";

    /// <summary>Chooses the input and output to use, and checks they make a classifier we can query.</summary>
    public static PredictorDescription Describe(
        string source, IReadOnlyList<TensorSignature> inputs, IReadOnlyList<TensorSignature> outputs, PredictorOptions options)
    {
        var input = Pick(inputs, options.InputName, "input", source)
            ?? (inputs.Count == 1 ? inputs[0] : throw Unsupported(source, $"it has {inputs.Count} inputs ({Names(inputs)}); name the one to use"));
        if (input.Datatype != "FP32")
        {
            throw Unsupported(source, $"input '{input.Name}' is {input.Datatype}; only FP32 inputs can be sent");
        }

        var shape = input.Shape;
        if (shape.Length == 0 || shape[0] is 0 or < -1 || shape.Skip(1).Any(d => d <= 0))
        {
            throw Unsupported(source, $"input '{input.Name}' has shape [{Format(shape)}]; only the first (batch) dimension may vary");
        }

        // Checked as the product grows: with enough dims it would wrap, and 1,000 dims of 8 pass for 0.
        var rowSize = 1L;
        foreach (var d in shape.Skip(1))
        {
            rowSize *= Math.Min(d, MaxRowSize + 1);
            if (rowSize > MaxRowSize)
            {
                throw Unsupported(source, $"input '{input.Name}' rows of shape [{Format(shape)}] are too large to query");
            }
        }

        var output = Pick(outputs, options.OutputName, "output", source)
            ?? outputs.FirstOrDefault(o => IsFloat(o.Datatype))
            ?? outputs.FirstOrDefault(o => IsInteger(o.Datatype) || o.Datatype == "BYTES")
            ?? throw Unsupported(source, $"none of its outputs ({Names(outputs)}) holds float scores or integer labels");

        AnswerKind answers;
        int? classes = options.Classes;
        if (IsFloat(output.Datatype) && output.Shape.Length == 2 && output.Shape[1] is -1 or >= 2)
        {
            answers = AnswerKind.Scores;
            if (output.Shape[1] > PredictorOptions.MaxClasses)
            {
                throw Unsupported(source, $"output '{output.Name}' has {output.Shape[1]} classes, more than the {PredictorOptions.MaxClasses} a suspect may have");
            }

            if (output.Shape[1] > 0)
            {
                if (classes is not null && classes != output.Shape[1])
                {
                    throw Unsupported(source, $"output '{output.Name}' has {output.Shape[1]} classes, not the {classes} expected");
                }

                classes = (int)output.Shape[1];
            }
        }
        else if ((IsInteger(output.Datatype) || output.Datatype == "BYTES")
            && (output.Shape.Length == 1 || (output.Shape.Length == 2 && output.Shape[1] is 1 or -1)))
        {
            answers = AnswerKind.Labels;
        }
        else
        {
            throw Unsupported(
                source,
                $"output '{output.Name}' is {output.Datatype} [{Format(output.Shape)}]; expected float scores [batch, classes] or integer labels [batch]");
        }

        var batchSize = shape[0] > 0 ? (int)Math.Min(shape[0], options.BatchSize) : options.BatchSize;
        return new PredictorDescription(source, input.Name, shape, output.Name, answers, classes, batchSize);
    }

    public static string Format(IEnumerable<long> shape) =>
        string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    private static TensorSignature? Pick(IReadOnlyList<TensorSignature> all, string? name, string what, string source) =>
        name is null ? null
        : all.FirstOrDefault(t => t.Name == name) ?? throw Unsupported(source, $"it has no {what} '{name}' (its {what}s: {Names(all)})");

    private static string Names(IReadOnlyList<TensorSignature> all) => all.Count == 0 ? "none" : string.Join(", ", all.Select(t => t.Name));

    private static ModelShieldException Unsupported(string source, string why) =>
        new(ErrorCodes.SuspectUnsupported, $"{source} cannot be queried as a classifier: {why}.");
}
