using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelShield.Testing.Fuzzing;

/// <summary>
/// Mutations of a JSON document that keep it mostly well-formed, so that they reach the reader behind the parser: one
/// value somewhere is removed, duplicated (a repeated property name, a repeated array element), repeated many times,
/// replaced by an extreme or ill-typed value (huge numbers, lone surrogates, deep nesting, bare NaN...), or, for a
/// base64 string, decoded, mutated (as JSON when it holds JSON) and encoded again. One mutation in five works on the
/// text's bytes instead.
/// </summary>
public static class JsonMutations
{
    private static readonly string[] InterestingValues =
    [
        "null", "true", "false", "0", "-1", "1", "0.5", "-0", "1e308", "-1e308", "1e999", "2147483648", "-2147483649",
        "9223372036854775808", "18446744073709551616", "\"\"", "\"x\"", "\"-1\"", "\"\\ud800\"", "\"\\u0000\"", "\"../../etc/passwd\"",
        "[]", "{}", "[null]", "[[]]", "NaN", "-Infinity",
        "\"" + new string('A', 100_000) + "\"",
        new string('[', 300) + new string(']', 300),
        "[" + string.Join(",", Enumerable.Repeat("0", 100_000)) + "]",
    ];

    /// <summary>One mutation of the UTF-8 JSON document <paramref name="json"/>.</summary>
    public static Mutant Mutate(Random random, byte[] json)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return ByteMutations.Mutate(random, json);
        }

        if (random.Next(5) == 0)
        {
            return ByteMutations.Mutate(random, json);
        }

        var slots = new List<Edit>();
        Collect(null, null, -1, root, "$", slots);
        var slot = slots[random.Next(slots.Count)];
        var value = slot.Value;
        Edit edit;
        switch (random.Next(5))
        {
            case 0 when slot.Container is not null:
                edit = slot with { Times = 0, Description = $"remove {slot.Path}" };
                break;
            case 1 when slot.Container is not null:
                var times = random.Next(3) == 0 ? 100 : 2;
                edit = slot with { Times = times, Description = $"write {slot.Path} {times} times" };
                break;
            case 2 when value is JsonValue v && v.TryGetValue<string>(out var text) && IsBase64(text):
                var inner = Convert.FromBase64String(text);
                var mutated = LooksLikeJson(inner) && random.Next(2) == 0 ? Mutate(random, inner) : ByteMutations.Mutate(random, inner);
                edit = slot with { Raw = JsonSerializer.Serialize(Convert.ToBase64String(mutated.Bytes)), Description = $"in base64 {slot.Path}: {mutated.Description}" };
                break;
            case 3 when value is JsonValue n && n.GetValueKind() == JsonValueKind.Number:
                var number = n.GetValue<double>();
                var raw = random.Next(4) switch
                {
                    0 => (-number).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    1 => (number * 1e6).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    2 => (number + 0.5).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    _ => "1" + new string('0', 40),
                };
                edit = slot with { Raw = raw, Description = $"set number {slot.Path} to {raw}" };
                break;
            default:
                var replacement = InterestingValues[random.Next(InterestingValues.Length)];
                edit = slot with { Raw = replacement, Description = $"replace {slot.Path} with {Shorten(replacement)}" };
                break;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = 1000 }))
        {
            WriteValue(writer, root, null, null, -1, edit);
        }

        return new Mutant(buffer.ToArray(), edit.Description);
    }

    private static void Collect(JsonNode? container, string? key, int index, JsonNode? node, string path, List<Edit> into)
    {
        into.Add(new Edit(container, key, index, node, path));
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                {
                    Collect(o, name, -1, child, $"{path}.{name}", into);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Collect(a, null, i, a[i], $"{path}[{i}]", into);
                }

                break;
            default:
                break;
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonNode? node, JsonNode? container, string? key, int index, Edit edit)
    {
        if (edit.Raw is not null && ReferenceEquals(edit.Container, container) && edit.Key == key && edit.Index == index)
        {
            writer.WriteRawValue(edit.Raw, skipInputValidation: true);
            return;
        }

        switch (node)
        {
            case JsonObject o:
                writer.WriteStartObject();
                foreach (var (name, child) in o)
                {
                    var times = ReferenceEquals(edit.Container, o) && edit.Key == name ? edit.Times : 1;
                    for (var t = 0; t < times; t++)
                    {
                        writer.WritePropertyName(name);
                        WriteValue(writer, child, o, name, -1, edit);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonArray a:
                writer.WriteStartArray();
                for (var i = 0; i < a.Count; i++)
                {
                    var times = ReferenceEquals(edit.Container, a) && edit.Index == i ? edit.Times : 1;
                    for (var t = 0; t < times; t++)
                    {
                        WriteValue(writer, a[i], a, null, i, edit);
                    }
                }

                writer.WriteEndArray();
                break;
            case null:
                writer.WriteNullValue();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    private static bool IsBase64(string text) =>
        text.Length >= 8 && text.Length % 4 == 0 && Convert.TryFromBase64String(text, new byte[text.Length], out _);

    private static bool LooksLikeJson(byte[] bytes) => bytes.Length > 0 && bytes[0] is (byte)'{' or (byte)'[';

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + $"... ({text.Length} chars)" : text;

    /// <summary>
    /// Where a mutation applies (the container and the key or index of the value in it; no container for the root), what
    /// replaces the value (raw JSON) or how many times it is written (0 removes it), and what was done.
    /// </summary>
    private sealed record Edit(JsonNode? Container, string? Key, int Index, JsonNode? Value, string Path)
    {
        public string? Raw { get; init; }

        public int Times { get; init; } = 1;

        public string Description { get; init; } = "";
    }
}
