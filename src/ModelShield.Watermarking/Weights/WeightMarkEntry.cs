using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Watermarking.Weights;

/// <summary>One carrier tensor of a weight mark, as the kit records it: its name, size and standard deviation at embedding.</summary>
internal sealed record WeightMarkTensor(string Name, long Elements, double Std);

/// <summary>
/// What a <c>weights</c> kit entry records, read and checked in one place: an entry that lacks a field or holds a value
/// of the wrong kind or range (a kit written by another version, or damaged before it was sealed) is MS7001, not a
/// crash in the middle of a detection.
/// </summary>
internal sealed record WeightMarkEntry(bool[] Payload, double Margin, IReadOnlyList<WeightMarkTensor> Tensors)
{
    public static WeightMarkEntry Read(KitEntry entry)
    {
        var bits = Value<int>(entry, entry.Secret["bits"], "bits");
        var payload = WatermarkPayload.FromHex(Value<string>(entry, entry.Secret["payloadHex"], "payloadHex"), bits);
        var margin = entry.Summary["margin"] is { } m ? Value<double>(entry, m, "margin") : WeightEmbedOptions.DefaultMargin;
        var tensors = (entry.Secret["tensors"] as JsonArray ?? throw Malformed(entry, "'tensors' is not an array"))
            .Select(t => t is JsonObject o
                ? new WeightMarkTensor(Value<string>(entry, o["name"], "a tensor's name"), Value<long>(entry, o["elements"], "a tensor's elements"), Value<double>(entry, o["std"], "a tensor's std"))
                : throw Malformed(entry, "a tensor is not an object"))
            .ToList();
        if (tensors.Count == 0 || !double.IsFinite(margin) || margin <= 0
            || tensors.Any(t => t.Elements < 1 || t.Elements > Array.MaxLength || !double.IsFinite(t.Std) || t.Std <= 0))
        {
            throw Malformed(entry, "it has no tensor, or a margin, size or standard deviation out of range");
        }

        return new WeightMarkEntry(payload, margin, tensors);
    }

    private static T Value<T>(KitEntry entry, JsonNode? node, string what)
    {
        try
        {
            return node is JsonValue value ? value.GetValue<T>() : throw Malformed(entry, $"{what} is missing");
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            // JsonValue.GetValue: a value of another kind, or a number out of the type's range.
            throw Malformed(entry, $"{what} is not a {typeof(T).Name}");
        }
    }

    private static ModelShieldException Malformed(KitEntry entry, string why) =>
        new(ErrorCodes.MalformedKit, $"Kit entry {entry.Id} ({WeightWatermark.SchemeId}) is malformed: {why}.");
}
