using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Inference;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Testing.Models;
using ModelShield.Testing.Oip;

namespace ModelShield.Onnx.Tests.Inference.Predictors;

[TestClass]
public sealed class OipPredictorTests
{
    private static readonly byte[] Model = TinyModels.Mlp().ToByteArray();

    // Short timeouts and retry pauses keep the error-path tests fast.
    private static OipPredictorOptions Fast => new() { Timeout = TimeSpan.FromSeconds(5), RetryDelay = TimeSpan.FromMilliseconds(50) };

    [TestMethod]
    public async Task PredictAsync_ServedTinyMlp_SameAnswersAsLocalFile()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        using var session = OnnxInference.FromBytes(Model);
        await using var local = new LocalPredictor(session, new PredictorOptions { BatchSize = 4 });
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { BatchSize = 4 });
        var batch = LocalPredictorTests.Rows(10);

        var expected = await local.PredictAsync(batch, 10);
        var actual = await remote.PredictAsync(batch, 10);

        // JSON carries float32 values exactly (shortest round-trip form), so nothing may differ.
        CollectionAssert.AreEqual(expected.Probabilities!.Cast<float>().ToArray(), actual.Probabilities!.Cast<float>().ToArray());
        CollectionAssert.AreEqual(expected.Labels, actual.Labels);
        Assert.AreEqual(10, remote.QueriesSpent);
        Assert.AreEqual(3, server.InferRequests);
        CollectionAssert.AreEqual(local.Description.InputShape.ToArray(), remote.Description.InputShape.ToArray());
        Assert.AreEqual(local.Description with { Source = "", InputShape = [] }, remote.Description with { Source = "", InputShape = [] });
    }

    [TestMethod]
    public async Task ConnectAsync_VersionedUrl_ReadsMetadataAndAnswers()
    {
        await using var server = await OipTestServer.StartAsync(Model, new OipTestServerOptions { ModelName = "mlp", Version = "3" });
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl + "/", Fast);

        var answers = await remote.PredictAsync(LocalPredictorTests.Rows(2), 2);

        StringAssert.EndsWith(remote.Description.Source, "/v2/models/mlp/versions/3");
        Assert.AreEqual(2, answers.Count);
        Assert.AreEqual(1, server.MetadataRequests);
    }

    [TestMethod]
    public async Task PredictAsync_LabelsOnlyEndpoint_ReturnsLocalArgmaxWithoutProbabilities()
    {
        await using var server = await OipTestServer.StartAsync(Model, new OipTestServerOptions { LabelsOnly = true });
        using var session = OnnxInference.FromBytes(Model);
        await using var local = new LocalPredictor(session);
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast);
        var batch = LocalPredictorTests.Rows(12);

        var expected = await local.PredictAsync(batch, 12);
        var actual = await remote.PredictAsync(batch, 12);

        Assert.AreEqual(AnswerKind.Labels, remote.Description.Answers);
        Assert.IsNull(remote.Description.Classes);
        Assert.IsNull(actual.Probabilities);
        CollectionAssert.AreEqual(expected.Labels, actual.Labels);
    }

    [TestMethod]
    public async Task PredictAsync_LabelsOnlyEndpoint_SameLabelsAsLocalArgMaxModel()
    {
        await using var server = await OipTestServer.StartAsync(Model, new OipTestServerOptions { LabelsOnly = true });
        using var session = OnnxInference.FromBytes(LocalPredictorTests.ArgMaxMlp().ToByteArray());
        await using var local = new LocalPredictor(session, new PredictorOptions { Classes = 4 });
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { Classes = 4 });
        var batch = LocalPredictorTests.Rows(9);

        var expected = await local.PredictAsync(batch, 9);
        var actual = await remote.PredictAsync(batch, 9);

        Assert.AreEqual(AnswerKind.Labels, local.Description.Answers);
        CollectionAssert.AreEqual(expected.Labels, actual.Labels);
    }

    [TestMethod]
    public async Task ConnectAsync_ContentHeaderGiven_ThrowsHeaderInvalid()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        var variable = UniqueVariable("text/plain");
        try
        {
            var ex = await Assert.ThrowsAsync<ModelShieldException>(() => OipPredictor.ConnectAsync(
                server.ModelUrl.ToString(), Fast with { Headers = [EndpointHeader.Parse($"Content-Type={variable}")] }));

            Assert.AreEqual(ErrorCodes.HeaderInvalid, ex.Code);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [TestMethod]
    public async Task PredictAsync_LabelOutsideKnownClasses_ThrowsAnswersInvalid()
    {
        await using var server = await OipTestServer.StartAsync(Model, new OipTestServerOptions { LabelsOnly = true });
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { Classes = 4 });
        server.InferFault = OipFault.LabelOutOfRange;

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => remote.PredictAsync(LocalPredictorTests.Rows(2), 2));

        Assert.AreEqual(ErrorCodes.AnswersInvalid, ex.Code);
        Assert.AreEqual(4, remote.Description.Classes);
    }

    [TestMethod]
    public async Task ConnectAsync_TokenFromEnvironment_IsSentAndAccepted()
    {
        await using var server = await OipTestServer.StartAsync(Model, new OipTestServerOptions { RequiredHeaderValue = "Bearer s3cret-token" });
        var variable = UniqueVariable("Bearer s3cret-token");
        try
        {
            await using var remote = await OipPredictor.ConnectAsync(
                server.ModelUrl.ToString(), Fast with { Headers = [EndpointHeader.Parse($"Authorization={variable}")] });

            var answers = await remote.PredictAsync(LocalPredictorTests.Rows(3), 3);

            Assert.AreEqual(3, answers.Count);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [TestMethod]
    public async Task ConnectAsync_ServerWantsTokenAndNoneGiven_ThrowsEndpointUnauthorized()
    {
        await using var server = await OipTestServer.StartAsync(Model, new OipTestServerOptions { RequiredHeaderValue = "Bearer s3cret-token" });

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast));

        Assert.AreEqual(ErrorCodes.EndpointUnauthorized, ex.Code);
        StringAssert.Contains(ex.Message, "401");
        Assert.AreEqual(0, server.InferRequests);
    }

    [TestMethod]
    public async Task PredictAsync_ServerEchoesToken_MessageHidesIt()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        var variable = UniqueVariable("Bearer do-not-print-me");
        try
        {
            await using var remote = await OipPredictor.ConnectAsync(
                server.ModelUrl.ToString(), Fast with { Headers = [EndpointHeader.Parse($"Authorization={variable}")] });
            server.InferFault = OipFault.EchoCredentials;

            var ex = await Assert.ThrowsAsync<ModelShieldException>(() => remote.PredictAsync(LocalPredictorTests.Rows(1), 1));

            Assert.AreEqual(ErrorCodes.EndpointRefused, ex.Code);
            Assert.DoesNotContain("do-not-print-me", ex.ToString());
            StringAssert.Contains(ex.Message, "***");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [TestMethod]
    public async Task ConnectAsync_HeaderVariableUnset_ThrowsHeaderInvalidBeforeAnyRequest()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        var header = EndpointHeader.Parse($"X-Api-Key=MODELSHIELD_TEST_UNSET_{Guid.NewGuid():N}");

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { Headers = [header] }));

        Assert.AreEqual(ErrorCodes.HeaderInvalid, ex.Code);
        Assert.AreEqual(0, server.MetadataRequests);
    }

    [TestMethod]
    [DataRow("Authorization")]
    [DataRow("=TOKEN")]
    [DataRow("Bad Name=TOKEN")]
    [DataRow("Authorization=TOKEN-WITH-DASH")]
    public void Parse_MalformedHeaderSpec_ThrowsHeaderInvalid(string spec)
    {
        var ex = Assert.Throws<ModelShieldException>(() => EndpointHeader.Parse(spec));

        Assert.AreEqual(ErrorCodes.HeaderInvalid, ex.Code);
    }

    [TestMethod]
    public async Task PredictAsync_OverBudget_SendsNothing()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { MaxQueries = 5 });

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => remote.PredictAsync(LocalPredictorTests.Rows(6), 6));
        await remote.PredictAsync(LocalPredictorTests.Rows(5), 5);

        Assert.AreEqual(ErrorCodes.QueryBudgetExceeded, ex.Code);
        Assert.AreEqual(1, server.InferRequests);
        Assert.AreEqual(5, remote.QueriesSpent);
    }

    [TestMethod]
    [DataRow(OipFault.MalformedJson, ErrorCodes.ResponseMalformed)]
    [DataRow(OipFault.NaNLiteral, ErrorCodes.ResponseMalformed)]
    [DataRow(OipFault.DataShapeMismatch, ErrorCodes.ResponseMalformed)]
    [DataRow(OipFault.OverflowScore, ErrorCodes.AnswersInvalid)]
    [DataRow(OipFault.WrongRowCount, ErrorCodes.AnswersInvalid)]
    [DataRow(OipFault.ServerError, ErrorCodes.EndpointRefused)]
    [DataRow(OipFault.ServerErrorWithBrokenText, ErrorCodes.EndpointRefused)]
    [DataRow(OipFault.Redirect, ErrorCodes.EndpointRefused)]
    [DataRow(OipFault.Huge, ErrorCodes.ResponseTooLarge)]
    [DataRow(OipFault.DropConnection, ErrorCodes.EndpointUnreachable)]
    public async Task PredictAsync_FaultyAnswer_ThrowsItsCodeWithoutRetrying(OipFault fault, string code)
    {
        await using var server = await OipTestServer.StartAsync(Model);
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { MaxResponseBytes = 1 << 20 });
        server.InferFault = fault;

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => remote.PredictAsync(LocalPredictorTests.Rows(3), 3));

        Assert.AreEqual(code, ex.Code, ex.Message);
        Assert.AreEqual(1, server.InferRequests);
        // The rows reached the server: they count against the budget even though the answer was unusable.
        Assert.AreEqual(3, remote.QueriesSpent);
    }

    [TestMethod]
    public async Task PredictAsync_AnswerWithMoreClassesThanAnyClassifier_ThrowsAnswersInvalid()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        // Metadata that leaves the number of classes open, then rows of 100,000 scores: the predictor would size its
        // probability table [rows asked, classes answered] from them.
        server.RewriteMetadata = body =>
        {
            var json = JsonNode.Parse(body)!;
            json["outputs"]![0]!["shape"] = new JsonArray(-1, -1);
            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        };
        server.RewriteAnswer = body =>
        {
            var json = JsonNode.Parse(body)!;
            json["outputs"]![0]!["shape"] = new JsonArray(3, 100_000);
            json["outputs"]![0]!["data"] = new JsonArray([.. Enumerable.Range(0, 3 * 100_000).Select(i => (JsonNode)(i % 100_000 == 0 ? 1 : 0))]);
            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        };
        await using var predictor = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { MaxResponseBytes = 4 << 20 });

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => predictor.PredictAsync(LocalPredictorTests.Rows(3), 3));

        Assert.AreEqual(ErrorCodes.AnswersInvalid, ex.Code, ex.Message);
    }

    [TestMethod]
    public async Task ConnectAsync_InputShapeWhoseProductWrapsInt64_ThrowsSuspectUnsupported()
    {
        await using var server = await OipTestServer.StartAsync(Model);
        // 8^1000 is 2^3000, which wraps to 0 in 64 bits: a product checked only at the end lets it through.
        server.RewriteMetadata = body =>
        {
            var json = JsonNode.Parse(body)!;
            json["inputs"]![0]!["shape"] = new JsonArray([-1, .. Enumerable.Range(0, 1000).Select(_ => (JsonNode?)8)]);
            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        };

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast));

        Assert.AreEqual(ErrorCodes.SuspectUnsupported, ex.Code, ex.Message);
    }

    [TestMethod]
    [DataRow(OipFault.MalformedJson, ErrorCodes.ResponseMalformed)]
    [DataRow(OipFault.ServerError, ErrorCodes.EndpointRefused)]
    public async Task ConnectAsync_FaultyMetadata_ThrowsItsCode(OipFault fault, string code)
    {
        await using var server = await OipTestServer.StartAsync(Model);
        server.MetadataFault = fault;

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast));

        Assert.AreEqual(code, ex.Code);
    }

    [TestMethod]
    [DataRow(OipFault.Slow)]
    [DataRow(OipFault.Trickle)]
    public async Task PredictAsync_ServerTooSlow_ThrowsEndpointTimeoutInTime(OipFault fault)
    {
        await using var server = await OipTestServer.StartAsync(Model);
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), Fast with { Timeout = TimeSpan.FromMilliseconds(400) });
        server.InferFault = fault;
        var clock = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => remote.PredictAsync(LocalPredictorTests.Rows(2), 2));

        Assert.AreEqual(ErrorCodes.EndpointTimeout, ex.Code);
        Assert.IsLessThan(3.0, clock.Elapsed.TotalSeconds);
        Assert.AreEqual(1, server.InferRequests);
    }

    [TestMethod]
    public async Task ConnectAsync_NothingListening_ThrowsEndpointUnreachableAfterRetries()
    {
        var port = FreePort();

        var ex = await Assert.ThrowsAsync<ModelShieldException>(() =>
            OipPredictor.ConnectAsync($"http://127.0.0.1:{port}/v2/models/absent", Fast with { ConnectRetries = 2 }));

        Assert.AreEqual(ErrorCodes.EndpointUnreachable, ex.Code);
        StringAssert.Contains(ex.Message, "3 attempts");
    }

    [TestMethod]
    public async Task PredictAsync_ServerBackWithinRetries_AnswersAndCountsRowsOnce()
    {
        var first = await OipTestServer.StartAsync(Model);
        var port = first.Port;
        await using var remote = await OipPredictor.ConnectAsync(
            first.ModelUrl.ToString(), Fast with { ConnectRetries = 2, RetryDelay = TimeSpan.FromSeconds(1.2) });
        await first.DisposeAsync();

        var pending = remote.PredictAsync(LocalPredictorTests.Rows(4), 4);
        // Long enough for the first attempt to be refused, well before the retry.
        await Task.Delay(300);
        Assert.IsFalse(pending.IsCompleted);
        await using var second = await OipTestServer.StartAsync(Model, new OipTestServerOptions { Port = port });
        var answers = await pending;

        Assert.AreEqual(4, answers.Count);
        Assert.AreEqual(1, second.InferRequests);
        Assert.AreEqual(4, remote.QueriesSpent);
    }

    [TestMethod]
    [DataRow("ftp://127.0.0.1/v2/models/m")]
    [DataRow("file:///v2/models/m")]
    [DataRow("127.0.0.1:8000/v2/models/m")]
    [DataRow("http://127.0.0.1:8000/v1/models/m")]
    [DataRow("http://127.0.0.1:8000/v2/models/m/infer")]
    [DataRow("http://127.0.0.1:8000/v2/models/m?debug=1")]
    [DataRow("http://user:hunter2@127.0.0.1:8000/v2/models/m")]
    public async Task ConnectAsync_UnusableUrl_ThrowsEndpointInvalid(string url)
    {
        var ex = await Assert.ThrowsAsync<ModelShieldException>(() => OipPredictor.ConnectAsync(url, Fast));

        Assert.AreEqual(ErrorCodes.EndpointInvalid, ex.Code);
        Assert.DoesNotContain("hunter2", ex.Message);
    }

    private static string UniqueVariable(string value)
    {
        var name = $"MODELSHIELD_TEST_TOKEN_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(name, value);
        return name;
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
