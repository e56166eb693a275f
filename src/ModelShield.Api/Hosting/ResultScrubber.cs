using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ModelShield.Api.Hosting;

/// <summary>
/// Library results name files by their full paths, which on the server are inside its upload and job folders.
/// Clients know those files by the names they uploaded or download, so every string of a result loses the server's
/// folder (see <see cref="ApiExceptionHandler.Scrub"/>) before it is answered.
/// </summary>
internal static class ResultScrubber
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The result as JSON, with the server's folder removed from every string.</summary>
    public static JsonNode? Scrub(object? result, string root)
    {
        var node = JsonSerializer.SerializeToNode(result, Json);
        return Replacement(node, root) ?? node;
    }

    /// <summary>A new node for a string that names the server's folder; otherwise null, after scrubbing the children in place.</summary>
    private static JsonValue? Replacement(JsonNode? node, string root)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (Replacement(value, root) is { } replaced)
                    {
                        obj[key] = replaced;
                    }
                }

                return null;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Replacement(array[i], root) is { } replaced)
                    {
                        array[i] = replaced;
                    }
                }

                return null;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains(root, StringComparison.Ordinal):
                return JsonValue.Create(ApiExceptionHandler.Scrub(text, root));
            default:
                return null;
        }
    }
}
