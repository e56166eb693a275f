using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModelShield.Errors;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>
/// Queries a model served over the Open Inference Protocol v2 REST API (KServe, Triton, Seldon MLServer...): reads
/// the model's metadata with GET on its URL, then POSTs batches to <c>{url}/infer</c>. Treats the endpoint as hostile:
/// bounded responses, a timeout on every request, no redirects, every answer checked; each failure is a
/// <see cref="ModelShieldException"/> with an MS8xxx code.
/// </summary>
public sealed class OipPredictor : IPredictor
{
    private readonly HttpClient _http;
    private readonly OipEndpoint _endpoint;
    private readonly OipPredictorOptions _options;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private QueryEngine? _engine;

    private OipPredictor(HttpClient http, OipEndpoint endpoint, OipPredictorOptions options, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        _http = http;
        _endpoint = endpoint;
        _options = options;
        _headers = headers;
    }

    /// <inheritdoc/>
    public PredictorDescription Description => Engine.Description;

    /// <inheritdoc/>
    public long QueriesSpent => Engine.Spent;

    /// <inheritdoc/>
    public long? MaxQueries => Engine.MaxQueries;

    // Set by ConnectAsync before the predictor is handed out; null only while the metadata is being read.
    private QueryEngine Engine => _engine!;

    /// <summary>
    /// Checks <paramref name="endpoint"/> (<c>http(s)://HOST:PORT/v2/models/NAME[/versions/V]</c>), reads the header
    /// values from their environment variables, and reads the model's metadata. Sends no inference request.
    /// </summary>
    public static async Task<OipPredictor> ConnectAsync(string endpoint, OipPredictorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= OipPredictorOptions.Default;
        options.Validate();
        var parsed = OipEndpoint.Parse(endpoint);
        var headers = options.Headers.Select(h => KeyValuePair.Create(h.Name, h.ReadValue())).ToList();
        var handler = new SocketsHttpHandler
        {
            // A redirect could carry our headers (tokens) to another host: refuse it instead.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.Timeout,
            MaxResponseHeadersLength = 64,
        };
        var predictor = new OipPredictor(new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }, parsed, options, headers);
        try
        {
            using var metadata = await predictor.ExchangeAsync(HttpMethod.Get, parsed.Model, null, 0, cancellationToken).ConfigureAwait(false);
            var (inputs, outputs) = OipJson.ReadMetadata(metadata.RootElement, parsed.ToString());
            predictor._engine = new QueryEngine(TensorSignature.Describe(parsed.ToString(), inputs, outputs, options), options);
            return predictor;
        }
        catch
        {
            await predictor.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<Predictions> PredictAsync(float[] batch, int count, CancellationToken cancellationToken = default) =>
        Engine.RunAsync(batch, count, InferAsync, cancellationToken);

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        _engine?.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<RawAnswer> InferAsync(float[] rows, int count, CancellationToken cancellationToken)
    {
        var body = OipJson.WriteRequest(Engine.Description, rows, count);
        using var response = await ExchangeAsync(HttpMethod.Post, _endpoint.Infer, body, count, cancellationToken).ConfigureAwait(false);
        return OipJson.ReadAnswer(response.RootElement, Engine.Description);
    }

    /// <summary>
    /// One request, with retries while no connection can be made; charges <paramref name="rows"/> once the request
    /// may have reached the server, and returns the parsed 2xx JSON body.
    /// </summary>
    private async Task<JsonDocument> ExchangeAsync(HttpMethod method, Uri url, byte[]? body, int rows, CancellationToken cancellationToken)
    {
        var source = _endpoint.ToString();
        for (var attempt = 0; ; attempt++)
        {
            var charged = false;
            void Charge()
            {
                if (!charged && rows > 0)
                {
                    charged = true;
                    Engine.Charge(rows);
                }
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                using var request = new HttpRequestMessage(method, url);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                foreach (var (name, value) in _headers)
                {
                    // Content headers (Content-Type...) would otherwise be dropped without a word.
                    if (!request.Headers.TryAddWithoutValidation(name, value))
                    {
                        throw new ModelShieldException(ErrorCodes.HeaderInvalid, $"{name} cannot be sent as a request header.");
                    }
                }

                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                }

                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                Charge();
                var bytes = await ReadLimitedAsync(response, source, timeout.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw Refused(response, bytes, source);
                }

                try
                {
                    return JsonDocument.Parse(bytes, OipJson.ReadOptions);
                }
                catch (JsonException ex)
                {
                    throw OipJson.Malformed(source, $"not JSON ({ex.Message})");
                }
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
            {
                if (attempt < _options.ConnectRetries)
                {
                    await Task.Delay(_options.RetryDelay * (attempt + 1), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw new ModelShieldException(
                    ErrorCodes.EndpointUnreachable, $"{source} could not be reached after {attempt + 1} attempts: {ex.Message}", ex);
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.InvalidResponse or HttpRequestError.ConfigurationLimitExceeded)
            {
                Charge();
                throw OipJson.Malformed(source, $"not a valid HTTP response ({ex.Message})");
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                Charge();
                throw new ModelShieldException(ErrorCodes.EndpointUnreachable, $"{source} dropped the connection: {ex.Message}", ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                Charge();
                throw new ModelShieldException(
                    ErrorCodes.EndpointTimeout, $"{source} did not answer within {_options.Timeout.TotalSeconds:0.###} s.", ex);
            }
            catch (OperationCanceledException)
            {
                // The caller gave up; the request may have been sent.
                Charge();
                throw;
            }
        }
    }

    private async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, string source, CancellationToken cancellationToken)
    {
        var limit = _options.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            throw TooLarge(source, limit);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(source, limit);
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private ModelShieldException Refused(HttpResponseMessage response, byte[] body, string source)
    {
        var status = (int)response.StatusCode;
        var said = ErrorText(body);
        // A hostile server may echo our credentials back; they must not reach a log through this message.
        foreach (var (_, value) in _headers)
        {
            said = said.Replace(value, "***", StringComparison.Ordinal);
        }

        var detail = said.Length > 0 ? $": {OipJson.Shorten(said)}" : "";
        return status switch
        {
            401 or 403 => new ModelShieldException(
                ErrorCodes.EndpointUnauthorized,
                $"{source} refused the request with {status} {response.ReasonPhrase}{detail}. Pass its credentials with --header NAME=ENVVAR."),
            >= 300 and < 400 => new ModelShieldException(
                ErrorCodes.EndpointRefused,
                $"{source} answered {status} {response.ReasonPhrase} (a redirect); redirects are not followed: use the final URL."),
            _ => new ModelShieldException(ErrorCodes.EndpointRefused, $"{source} answered {status} {response.ReasonPhrase}{detail}."),
        };
    }

    // The protocol's error body is {"error": "..."}; anything else is shown as sent, shortened.
    private static string ErrorText(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body, OipJson.ReadOptions);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or an error string that is not valid text: fall through to the raw text.
        }

        return System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400)).Trim();
    }

    private static ModelShieldException TooLarge(string source, long limit) =>
        new(ErrorCodes.ResponseTooLarge, $"{source} sent a response over the limit of {limit} bytes.");
}
