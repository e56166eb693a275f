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
    public static JsonNode? Scrub(object? result, string root) => Walk(JsonSerializer.SerializeToNode(result, Json), root);

    private static JsonNode? Walk(JsonNode? node, string root)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    obj[key] = Walk(value, root);
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Walk(array[i], root);
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains(root, StringComparison.Ordinal):
                return JsonValue.Create(ApiExceptionHandler.Scrub(text, root));
            default:
                return node;
        }
    }
}
