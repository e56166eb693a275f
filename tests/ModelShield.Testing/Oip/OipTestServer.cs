using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelShield.Onnx.Inference;

namespace ModelShield.Testing.Oip;

/// <summary>
/// An Open Inference Protocol v2 REST server on 127.0.0.1 (Kestrel) serving one ONNX classifier through ONNX Runtime:
/// GET /v2/models/NAME[/versions/V] answers metadata, POST .../infer runs the model. Written independently of the
/// client code it tests; faults can be switched on while it runs.
/// </summary>
public sealed class OipTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly OnnxInference _model;
    private readonly OipTestServerOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _modelPath;
    private int _inferRequests;
    private int _metadataRequests;

    private OipTestServer(WebApplication app, OnnxInference model, OipTestServerOptions options)
    {
        _app = app;
        _model = model;
        _options = options;
        _modelPath = $"/v2/models/{options.ModelName}" + (options.Version is null ? "" : $"/versions/{options.Version}");
        app.Run(HandleAsync);
    }

    /// <summary>The model's URL, e.g. http://127.0.0.1:40123/v2/models/suspect.</summary>
    public Uri ModelUrl { get; private set; } = null!;

    /// <summary>The port listened on.</summary>
    public int Port => ModelUrl.Port;

    /// <summary>The fault shown on inference requests.</summary>
    public OipFault InferFault { get; set; }

    /// <summary>The fault shown on metadata requests.</summary>
    public OipFault MetadataFault { get; set; }

    /// <summary>
    /// When set, the body of every 200 metadata answer passes through it before it is sent: a hostile server's
    /// metadata, made from the right one (the function gets the right body and returns what to send instead).
    /// </summary>
    public Func<byte[], byte[]>? RewriteMetadata { get; set; }

    /// <summary>As <see cref="RewriteMetadata"/>, for the body of every 200 inference answer.</summary>
    public Func<byte[], byte[]>? RewriteAnswer { get; set; }

    /// <summary>Inference requests received, whatever became of them.</summary>
    public int InferRequests => Volatile.Read(ref _inferRequests);

    /// <summary>Metadata requests received.</summary>
    public int MetadataRequests => Volatile.Read(ref _metadataRequests);

    /// <summary>Starts serving <paramref name="modelBytes"/> (a classifier with one float input and float scores [batch, classes]).</summary>
    public static async Task<OipTestServer> StartAsync(byte[] modelBytes, OipTestServerOptions? options = null)
    {
        options ??= new OipTestServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, options.Port));
        var model = OnnxInference.FromBytes(modelBytes);
        var server = new OipTestServer(builder.Build(), model, options);
        await server._app.StartAsync().ConfigureAwait(false);
        var address = server._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.ModelUrl = new Uri(new Uri(address), server._modelPath);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _model.Dispose();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var path = context.Request.Path.Value ?? "";
        var isInfer = path == _modelPath + "/infer";
        if (!isInfer && path != _modelPath)
        {
            await ErrorAsync(context, 404, $"no model at {path}").ConfigureAwait(false);
            return;
        }

        if (context.Request.Method != (isInfer ? "POST" : "GET"))
        {
            await ErrorAsync(context, 405, "method not allowed").ConfigureAwait(false);
            return;
        }

        Interlocked.Increment(ref isInfer ? ref _inferRequests : ref _metadataRequests);
        if (_options.RequiredHeaderValue is { } required
            && context.Request.Headers[_options.RequiredHeaderName].ToString() != required)
        {
            await ErrorAsync(context, 401, "unauthorized").ConfigureAwait(false);
            return;
        }

        var fault = isInfer ? InferFault : MetadataFault;
        try
        {
            if (!await FaultAsync(context, fault, aborted.Token).ConfigureAwait(false))
            {
                await (isInfer ? InferAsync(context, fault, aborted.Token) : MetadataAsync(context)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            context.Abort();
        }
    }

    /// <summary>Shows the faults that replace an answer; false when the request should be answered (perhaps wrongly).</summary>
    private async Task<bool> FaultAsync(HttpContext context, OipFault fault, CancellationToken cancellationToken)
    {
        switch (fault)
        {
            case OipFault.MalformedJson:
                await WriteAsync(context, 200, "{\"outputs\": [{\"name\": ").ConfigureAwait(false);
                return true;
            case OipFault.ServerError:
                await ErrorAsync(context, 500, "internal failure").ConfigureAwait(false);
                return true;
            case OipFault.ServerErrorWithBrokenText:
                await WriteAsync(context, 500, "{\"error\": \"internal \\ud800 failure\"}").ConfigureAwait(false);
                return true;
            case OipFault.Slow:
                await Task.Delay(_options.SlowDelay, cancellationToken).ConfigureAwait(false);
                return false;
            case OipFault.Trickle:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{", cancellationToken).ConfigureAwait(false);
                while (true)
                {
                    await context.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                    await context.Response.WriteAsync(" ", cancellationToken).ConfigureAwait(false);
                }

            case OipFault.Huge:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"outputs\": [], \"padding\": \"", cancellationToken).ConfigureAwait(false);
                var block = new string('x', 64 * 1024);
                for (var i = 0; i < 64; i++)
                {
                    await context.Response.WriteAsync(block, cancellationToken).ConfigureAwait(false);
                }

                await context.Response.WriteAsync("\"}", cancellationToken).ConfigureAwait(false);
                return true;
            case OipFault.Redirect:
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = "http://127.0.0.1:9/elsewhere";
                return true;
            case OipFault.DropConnection:
                context.Abort();
                return true;
            case OipFault.EchoCredentials:
                await ErrorAsync(context, 400, $"bad request from {context.Request.Headers.Authorization}").ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    private async Task MetadataAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", _options.ModelName);
            json.WriteStartArray("versions");
            json.WriteStringValue(_options.Version ?? "1");
            json.WriteEndArray();
            json.WriteString("platform", "onnxruntime_onnx");
            json.WriteStartArray("inputs");
            foreach (var input in _model.Inputs)
            {
                WriteTensorSpec(json, input.Name, Datatype(input.ElementType), input.Dimensions);
            }

            json.WriteEndArray();
            json.WriteStartArray("outputs");
            if (_options.LabelsOnly)
            {
                WriteTensorSpec(json, "label", "INT64", ["batch"]);
            }
            else
            {
                foreach (var output in _model.Outputs)
                {
                    WriteTensorSpec(json, output.Name, Datatype(output.ElementType), output.Dimensions);
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        await WriteAsync(context, 200, RewriteMetadata?.Invoke(buffer.ToArray()) ?? buffer.ToArray()).ConfigureAwait(false);
    }

    private async Task InferAsync(HttpContext context, OipFault fault, CancellationToken cancellationToken)
    {
        var input = _model.Inputs[0];
        var rowShape = input.Dimensions.Skip(1).Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        var rowSize = (int)rowShape.Aggregate(1L, (a, d) => a * d);
        float[] data;
        int rows;
        try
        {
            using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            var tensor = request.RootElement.GetProperty("inputs")[0];
            var shape = tensor.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (tensor.GetProperty("name").GetString() != input.Name || tensor.GetProperty("datatype").GetString() != "FP32"
                || shape.Length != rowShape.Length + 1 || !shape.Skip(1).SequenceEqual(rowShape))
            {
                await ErrorAsync(context, 400, $"expected input {input.Name} FP32 [n, {string.Join(", ", rowShape)}]").ConfigureAwait(false);
                return;
            }

            rows = (int)shape[0];
            data = Flatten(tensor.GetProperty("data")).Select(v => v.GetSingle()).ToArray();
            if (data.Length != rows * rowSize)
            {
                await ErrorAsync(context, 400, $"{data.Length} values for shape [{string.Join(", ", shape)}]").ConfigureAwait(false);
                return;
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            await ErrorAsync(context, 400, $"malformed request: {ex.Message}").ConfigureAwait(false);
            return;
        }

        var output = _model.Run([NamedTensor.OfSingles(input.Name, data, [rows, .. rowShape])])[0];
        var scores = output.AsFloats();
        var classes = (int)output.Shape[1];
        var answered = fault == OipFault.WrongRowCount ? rows - 1 : rows;

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model_name", _options.ModelName);
            json.WriteString("model_version", _options.Version ?? "1");
            json.WriteStartArray("outputs");
            json.WriteStartObject();
            if (_options.LabelsOnly)
            {
                json.WriteString("name", "label");
                json.WriteString("datatype", "INT64");
                WriteShape(json, answered);
                json.WriteStartArray("data");
                for (var r = 0; r < answered; r++)
                {
                    var row = scores.AsSpan(r * classes, classes);
                    json.WriteNumberValue(fault == OipFault.LabelOutOfRange ? 99 : row.IndexOf(MaxOf(row)));
                }
            }
            else
            {
                json.WriteString("name", output.Name);
                json.WriteString("datatype", "FP32");
                WriteShape(json, answered, classes);
                // Nested rows, as many servers send them; the protocol allows flat or nested.
                json.WriteStartArray("data");
                var values = answered * classes - (fault == OipFault.DataShapeMismatch ? 1 : 0);
                for (var i = 0; i < values; i++)
                {
                    if (i % classes == 0)
                    {
                        json.WriteStartArray();
                    }

                    if (i == 0 && fault == OipFault.NaNLiteral)
                    {
                        json.WriteRawValue("NaN", skipInputValidation: true);
                    }
                    else if (i == 0 && fault == OipFault.OverflowScore)
                    {
                        json.WriteRawValue("1e39");
                    }
                    else
                    {
                        json.WriteNumberValue(scores[i]);
                    }

                    if (i % classes == classes - 1 || i == values - 1)
                    {
                        json.WriteEndArray();
                    }
                }
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        await WriteAsync(context, 200, RewriteAnswer?.Invoke(buffer.ToArray()) ?? buffer.ToArray()).ConfigureAwait(false);
    }

    private static float MaxOf(ReadOnlySpan<float> row)
    {
        var max = float.NegativeInfinity;
        foreach (var v in row)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    private static void WriteShape(Utf8JsonWriter json, params long[] shape)
    {
        json.WriteStartArray("shape");
        foreach (var d in shape)
        {
            json.WriteNumberValue(d);
        }

        json.WriteEndArray();
    }

    private static void WriteTensorSpec(Utf8JsonWriter json, string name, string datatype, IEnumerable<string> dimensions)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("datatype", datatype);
        WriteShape(json, dimensions.Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToArray());
        json.WriteEndObject();
    }

    private static string Datatype(string onnxType) => onnxType switch
    {
        "float32" => "FP32",
        "float64" => "FP64",
        "float16" => "FP16",
        "int64" => "INT64",
        "int32" => "INT32",
        _ => onnxType.ToUpperInvariant(),
    };

    private static IEnumerable<JsonElement> Flatten(JsonElement data) =>
        data.ValueKind == JsonValueKind.Array ? data.EnumerateArray().SelectMany(Flatten) : [data];

    private static Task ErrorAsync(HttpContext context, int status, string message) =>
        WriteAsync(context, status, JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = message }));

    private static Task WriteAsync(HttpContext context, int status, string body) => WriteAsync(context, status, Encoding.UTF8.GetBytes(body));

    private static async Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }
}
