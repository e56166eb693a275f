using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelShield.Cli.Output;

/// <summary>
/// The only place the CLI writes to the console. Results go to stdout, as text for people or as exactly
/// one JSON document with <c>--json</c>; progress, warnings and human-readable errors go to stderr.
/// </summary>
internal sealed class CliOutput
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DictionaryKeyPolicy = null,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;

    public CliOutput(bool json, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        Json = json;
        _stdout = stdout ?? Console.Out;
        _stderr = stderr ?? Console.Error;
    }

    /// <summary>True when the user asked for one JSON document on stdout.</summary>
    public bool Json { get; }

    /// <summary>Writes a command's result: <paramref name="document"/> as JSON, or the text <paramref name="render"/> writes.</summary>
    public void Result(object document, Action<TextWriter> render)
    {
        ArgumentNullException.ThrowIfNull(render);
        if (Json)
        {
            _stdout.WriteLine(JsonSerializer.Serialize(document, document.GetType(), JsonOptions));
        }
        else
        {
            render(_stdout);
        }
    }

    /// <summary>Reports a failure: one line on stderr, and with --json also an error document on stdout.</summary>
    public void Error(string code, string message)
    {
        _stderr.WriteLine($"error {code}: {message}");
        if (Json)
        {
            _stdout.WriteLine(JsonSerializer.Serialize(new ErrorDocument(new ErrorBody(code, message)), JsonOptions));
        }
    }

    /// <summary>A progress or status line for people, on stderr.</summary>
    public void Progress(string message) => _stderr.WriteLine(message);

    private sealed record ErrorDocument(ErrorBody Error);

    private sealed record ErrorBody(string Code, string Message);
}
