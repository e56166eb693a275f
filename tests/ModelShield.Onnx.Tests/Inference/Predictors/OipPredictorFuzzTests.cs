using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Testing.Fuzzing;
using ModelShield.Testing.Models;
using ModelShield.Testing.Oip;

namespace ModelShield.Onnx.Tests.Inference.Predictors;

/// <summary>
/// A hostile Open Inference Protocol endpoint, over a real socket: its metadata and its answers are the right ones
/// mutated (wrong shapes and types, huge or non-finite numbers, lone surrogates, duplicated fields, deep nesting, bytes
/// that are not JSON). Each query either answers consistently (a label per row within the classes, probability rows
/// that sum to 1) or fails with an MS8xxx code.
/// </summary>
[TestClass]
public sealed class OipPredictorFuzzTests
{
    private const int Rows = 3;

    private static readonly byte[] Model = TinyModels.Mlp().ToByteArray();

    // Unreachable included: metadata asking for rows of millions of values makes the test server (Kestrel, 30 MB
    // request limit) drop the connection.
    private static readonly string[] EndpointCodes =
    [
        ErrorCodes.EndpointUnreachable, ErrorCodes.EndpointRefused, ErrorCodes.ResponseTooLarge, ErrorCodes.ResponseMalformed,
        ErrorCodes.AnswersInvalid, ErrorCodes.SuspectUnsupported,
    ];

    private static OipPredictorOptions Options => new() { Timeout = TimeSpan.FromSeconds(5), RetryDelay = TimeSpan.FromMilliseconds(50), MaxResponseBytes = 1 << 20 };

    [TestMethod]
    [DataRow(false, 5101)]
    [DataRow(true, 5102)]
    public async Task PredictAsync_MutatedAnswers_AnswerConsistentlyOrThrowEndpointCodes(bool labelsOnly, int seed)
    {
        await using var server = await OipTestServer.StartAsync(Model, new OipTestServerOptions { LabelsOnly = labelsOnly });
        var options = Options with { Classes = 4 };
        var answer = await CaptureAsync(server, options, metadata: false);

        var run = await new FuzzRun(labelsOnly ? "OIP labels answer" : "OIP scores answer", seed, EndpointCodes).RunAsync(
            300,
            random => JsonMutations.Mutate(random, answer),
            async mutant =>
            {
                server.RewriteAnswer = _ => mutant.Bytes;
                await using var predictor = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), options);
                return Check(await predictor.PredictAsync(LocalPredictorTests.Rows(Rows), Rows), 4);
            });

        run.AssertClean();
    }

    [TestMethod]
    public async Task ConnectAndPredict_MutatedMetadata_AnswerConsistentlyOrThrowEndpointCodes()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        var metadata = await CaptureAsync(server, Options, metadata: true);

        var run = await new FuzzRun("OIP metadata", seed: 5103, EndpointCodes).RunAsync(
            300,
            random => JsonMutations.Mutate(random, metadata),
            async mutant =>
            {
                server.RewriteMetadata = _ => mutant.Bytes;
                await using var predictor = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Options);
                var rowSize = predictor.Description.RowSize;
                Assert.IsTrue(rowSize is > 0 and <= 1 << 24, $"row size {rowSize}");
                return Check(await predictor.PredictAsync(new float[Rows * rowSize], Rows), predictor.Description.Classes);
            });

        run.AssertClean();
    }

    /// <summary>The body of the right metadata (or answer) for one query, as the server sends it.</summary>
    private static async Task<byte[]> CaptureAsync(OipTestServer server, OipPredictorOptions options, bool metadata)
    {
        byte[]? captured = null;
        Func<byte[], byte[]> capture = body => captured = body;
        if (metadata)
        {
            server.RewriteMetadata = capture;
        }
        else
        {
            server.RewriteAnswer = capture;
        }

        await using (var predictor = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), options))
        {
            _ = await predictor.PredictAsync(LocalPredictorTests.Rows(Rows), Rows);
        }

        server.RewriteMetadata = server.RewriteAnswer = null;
        return captured ?? throw new AssertFailedException("the server sent nothing to capture");
    }

    /// <summary>"answered" once the predictions are consistent: a label per row within the classes, rows of probabilities.</summary>
    private static string Check(Predictions predictions, int? classes)
    {
        Assert.AreEqual(Rows, predictions.Count);
        Assert.IsTrue(predictions.Labels.All(l => l >= 0 && (classes is null || l < classes)), $"labels {string.Join(", ", predictions.Labels)}");
        if (predictions.Probabilities is { } p)
        {
            Assert.AreEqual(Rows, p.GetLength(0));
            for (var r = 0; r < Rows; r++)
            {
                var row = Enumerable.Range(0, p.GetLength(1)).Select(c => p[r, c]).ToArray();
                Assert.IsTrue(row.All(v => float.IsFinite(v) && v >= -1e-6f && v <= 1 + 1e-6f) && Math.Abs(row.Sum() - 1) < 1e-2, $"row {r}: {string.Join(", ", row)}");
            }
        }

        return "answered";
    }
}
