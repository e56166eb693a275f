using System.Net;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>POST /v1/watermarks/embed (a job) and POST /v1/watermarks/detect.</summary>
[TestClass]
public sealed class WatermarkEndpointsTests
{
    private static readonly Uri Embed = new("/v1/watermarks/embed", UriKind.Relative);
    private static readonly Uri Detect = new("/v1/watermarks/detect", UriKind.Relative);

    [TestMethod]
    public async Task EmbedThenDetect_WeightsScheme_MarkedModelDetectedOriginalNot()
    {
        using var env = new ApiTestEnvironment();
        var original = TinyModels.Mlp(784, 128, 10, seed: 1).ToByteArray();
        using var release = env.Client(ApiRoles.Release);
        using var accepted = await release.PostAsync(Embed, ApiTestEnvironment.Form([("model", "model.onnx", original)], ("kitId", ApiTestEnvironment.KitId), ("payload", "ACME v1")));
        var status = await JobPolling.AwaitAsync(release, accepted);
        var result = JobPolling.Result(status);
        Assert.AreEqual("weights", result.GetProperty("scheme").GetString());
        Assert.AreEqual("model.onnx", result.GetProperty("output").GetString(), status.GetRawText());
        Assert.DoesNotContain(env.Options.TempFolder!, status.GetRawText());
        var marked = await release.GetByteArrayAsync(new Uri($"/v1/jobs/{status.GetProperty("id").GetString()}/files/model.onnx", UriKind.Relative));

        using var investigator = env.Client(ApiRoles.Investigate);
        using var found = await investigator.PostAsync(Detect, ApiTestEnvironment.Form([("suspect", "suspect.onnx", marked)], ("kitId", ApiTestEnvironment.KitId)));
        var report = await Problems.AssertJsonAsync(found, HttpStatusCode.OK);
        Assert.AreEqual("detected", report.GetProperty("verdict").GetString(), report.GetRawText());
        Assert.AreEqual("suspect.onnx", report.GetProperty("suspect").GetString());

        using var notFound = await investigator.PostAsync(Detect, ApiTestEnvironment.Form([("suspect", "suspect.onnx", original)], ("kitId", ApiTestEnvironment.KitId)));
        Assert.AreEqual("not detected", (await Problems.AssertJsonAsync(notFound, HttpStatusCode.OK)).GetProperty("verdict").GetString());
    }

    [TestMethod]
    public async Task Embed_UnknownKit_Answers404WithMS1056BeforeAnyJob()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Embed, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp().ToByteArray())], ("kitId", "missing-kit"), ("payload", "x")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.KeyStoreIdUnknown);
    }

    [TestMethod]
    public async Task Embed_UnknownScheme_Answers400WithMS7012()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Embed, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp().ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("scheme", "invisible-ink")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.UnknownScheme);
    }

    [TestMethod]
    [DataRow("-1")]
    [DataRow("11")]
    [DataRow("strong")]
    public async Task Embed_TriggersWeightNoiseOutOfRange_Answers400WithMS1054BeforeAnyJob(string noise)
    {
        using var env = new ApiTestEnvironment(o => o.DataFolders["sample"] = RepositoryFiles.SampleData);
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Embed, ApiTestEnvironment.Form(
            [("model", "model.onnx", TinyModels.Mlp().ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("scheme", "triggers"), ("data", "sample"), ("weightNoise", noise)));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Embed_NoPayload_JobFailsWithTheLibraryCode()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var accepted = await client.PostAsync(Embed, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp(784, 128, 10).ToByteArray())], ("kitId", ApiTestEnvironment.KitId)));
        var status = await JobPolling.AwaitAsync(client, accepted);
        Assert.AreEqual("failed", status.GetProperty("status").GetString());
        Assert.AreEqual(ErrorCodes.BadUsage, status.GetProperty("error").GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task Job_OfAnotherKey_Answers404WithMS1058()
    {
        using var env = new ApiTestEnvironment();
        using var release = env.Client(ApiRoles.Release);
        using var accepted = await release.PostAsync(Embed, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp(784, 128, 10).ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("payload", "x")));
        Assert.AreEqual(HttpStatusCode.Accepted, accepted.StatusCode);
        using var other = env.Client(ApiRoles.Investigate);
        using var response = await other.GetAsync(accepted.Headers.Location);
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.JobNotFound);
    }

    [TestMethod]
    public async Task Detect_ReleaseRole_Answers403WithMS1051()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Detect, ApiTestEnvironment.Form([("suspect", "s.onnx", [1])], ("kitId", ApiTestEnvironment.KitId)));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.ApiRoleForbidden);
    }

    [TestMethod]
    public async Task Detect_KitWithoutWatermark_Answers400WithMS7005()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Detect, ApiTestEnvironment.Form([("suspect", "s.onnx", TinyModels.Mlp().ToByteArray())], ("kitId", ApiTestEnvironment.KitId)));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.KitEntryMissing);
    }

    [TestMethod]
    public async Task Detect_TriggersAtEndpointNotOnTheAllowList_Answers403WithMS1057()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Detect, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("scheme", "triggers"), ("endpoint", "http://127.0.0.1:9/v2/models/m")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.EndpointNotAllowed);
    }

    [TestMethod]
    public async Task Detect_WeightsAtAnEndpoint_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment(o => o.AllowedEndpoints.Add("http://127.0.0.1:9/v2/models/"));
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Detect, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", "http://127.0.0.1:9/v2/models/m")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Detect_TriggersOnAKitWithoutTriggerSet_Answers400WithMS7005()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Detect, ApiTestEnvironment.Form([("suspect", "s.onnx", TinyModels.Mlp(784, 64, 10).ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("scheme", "triggers")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.KitEntryMissing);
    }
}
