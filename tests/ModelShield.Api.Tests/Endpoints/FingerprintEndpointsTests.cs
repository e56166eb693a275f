using System.Net;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;
using ModelShield.Testing.Oip;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>
/// POST /v1/fingerprints/record (a job) and POST /v1/fingerprints/compare with a file and with endpoints. Recording
/// costs seconds, so the class records once (through the API) into one server, and every comparison uses that kit:
/// comparing never changes a kit. Three suspect endpoints serve the owner model: one well, one failing, one slow.
/// </summary>
[TestClass]
public sealed class FingerprintEndpointsTests
{
    private static readonly Uri Record = new("/v1/fingerprints/record", UriKind.Relative);
    private static readonly Uri Compare = new("/v1/fingerprints/compare", UriKind.Relative);
    private static readonly byte[] Owner = TinyModels.Mlp(784, 64, 10, seed: 1).ToByteArray();
    private static ApiTestEnvironment _env = null!;
    private static OipTestServer _good = null!;
    private static OipTestServer _failing = null!;
    private static OipTestServer _slow = null!;
    private static string _recordStatus = "";

    [ClassInitialize]
    public static async Task RecordOnce(TestContext context)
    {
        _ = context;
        _good = await OipTestServer.StartAsync(Owner);
        _failing = await OipTestServer.StartAsync(Owner);
        _failing.InferFault = OipFault.ServerError;
        _slow = await OipTestServer.StartAsync(Owner, new OipTestServerOptions { SlowDelay = TimeSpan.FromSeconds(60) });
        _slow.InferFault = OipFault.Slow;
        _env = new ApiTestEnvironment(o =>
        {
            o.DataFolders["sample"] = RepositoryFiles.SampleData;
            o.RequestTimeoutSeconds = 10;
            foreach (var server in new[] { _good, _failing, _slow })
            {
                o.AllowedEndpoints.Add(server.ModelUrl.ToString());
            }
        });
        using var release = _env.Client(ApiRoles.Release);
        using var accepted = await release.PostAsync(Record, ApiTestEnvironment.Form(
            [("model", "owner.onnx", Owner), ("nullModels", "nulls.tar", NullModelsTar(4))], ("kitId", ApiTestEnvironment.KitId), ("data", "sample")));
        _recordStatus = (await JobPolling.AwaitAsync(release, accepted)).GetRawText();
    }

    [ClassCleanup]
    public static async Task Cleanup()
    {
        _env.Dispose();
        await _good.DisposeAsync();
        await _failing.DisposeAsync();
        await _slow.DisposeAsync();
    }

    [TestMethod]
    public void Record_NullModelsTar_JobSucceedsWithoutServerPaths()
    {
        using var status = System.Text.Json.JsonDocument.Parse(_recordStatus);
        var recorded = JobPolling.Result(status.RootElement);
        Assert.AreEqual("given", recorded.GetProperty("nullOrigin").GetString());
        Assert.AreEqual("owner.onnx", recorded.GetProperty("model").GetString());
        Assert.DoesNotContain(_env.Options.TempFolder!, _recordStatus);
    }

    [TestMethod]
    public async Task Compare_OwnerAsFileAndAsAllowedEndpoint_AgreesOnEveryQueryWithOneVerdict()
    {
        // The null models here are four untrained MLPs whose agreement with the owner varies widely, so the beta-binomial
        // test may not reach alpha even for the owner itself; what must hold is that the owner agrees with its own answers
        // on every query, that record said beforehand which verdict such an exact copy gets, and that the file and the
        // endpoint get the same answers and verdict.
        using var investigator = _env.Client(ApiRoles.Investigate);
        using var byFile = await investigator.PostAsync(Compare, ApiTestEnvironment.Form([("suspect", "suspect.onnx", Owner)], ("kitId", ApiTestEnvironment.KitId)));
        var fileReport = await Problems.AssertJsonAsync(byFile, HttpStatusCode.OK);
        foreach (var c in fileReport.GetProperty("comparators").EnumerateArray())
        {
            Assert.AreEqual(c.GetProperty("trials").GetInt32(), c.GetProperty("successes").GetInt32(), c.GetRawText());
        }

        using (var status = System.Text.Json.JsonDocument.Parse(_recordStatus))
        {
            var detectable = JobPolling.Result(status.RootElement).GetProperty("perfectCopyDetectable").GetBoolean();
            Assert.AreEqual(detectable ? "clone" : "independent", fileReport.GetProperty("verdict").GetString(), _recordStatus);
        }

        using var byEndpoint = await investigator.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", _good.ModelUrl.ToString()), ("maxQueries", "1000")));
        var report = await Problems.AssertJsonAsync(byEndpoint, HttpStatusCode.OK);
        Assert.AreEqual(fileReport.GetProperty("verdict").GetString(), report.GetProperty("verdict").GetString(), report.GetRawText());
        CollectionAssert.AreEqual(
            fileReport.GetProperty("comparators").EnumerateArray().Select(c => c.GetProperty("successes").GetInt32()).ToArray(),
            report.GetProperty("comparators").EnumerateArray().Select(c => c.GetProperty("successes").GetInt32()).ToArray());
        Assert.IsGreaterThan(0, _good.InferRequests);
    }

    [TestMethod]
    public async Task Compare_SuspectEndpointFails_Answers502WithMS8004()
    {
        using var client = _env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", _failing.ModelUrl.ToString())));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadGateway, ErrorCodes.EndpointRefused);
    }

    [TestMethod]
    public async Task Compare_SuspectEndpointSlowerThanTheRequestTimeout_Answers504()
    {
        using var client = _env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", _slow.ModelUrl.ToString())));
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.GatewayTimeout, response.StatusCode, body);
        Assert.IsTrue(body.Contains(ErrorCodes.RequestTimedOut, StringComparison.Ordinal) || body.Contains(ErrorCodes.EndpointTimeout, StringComparison.Ordinal), body);
    }

    [TestMethod]
    public async Task Compare_EndpointNotOnTheAllowList_Answers403WithMS1057AndSendsNothing()
    {
        var requestsBefore = _good.MetadataRequests + _good.InferRequests;
        using var client = _env.Client(ApiRoles.Investigate);
        var elsewhere = new UriBuilder(_good.ModelUrl) { Path = "/v2/models/other" }.Uri;
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", elsewhere.ToString())));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.EndpointNotAllowed);
        Assert.AreEqual(requestsBefore, _good.MetadataRequests + _good.InferRequests);
    }

    [TestMethod]
    public async Task Compare_FileAndEndpointBoth_Answers400WithMS1054()
    {
        using var client = _env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([("suspect", "s.onnx", [1])], ("kitId", ApiTestEnvironment.KitId), ("endpoint", _good.ModelUrl.ToString())));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Compare_UnknownKit_Answers404WithMS1056()
    {
        using var client = _env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([("suspect", "s.onnx", [1])], ("kitId", "nobody")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.KeyStoreIdUnknown);
    }

    [TestMethod]
    public async Task Record_UnknownDataFolder_Answers400WithMS1054()
    {
        using var client = _env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Record, ApiTestEnvironment.Form([("model", "m.onnx", TinyModels.Mlp().ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("data", "/usr/share")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    /// <summary>A tar of independently initialised models of the owner's shape.</summary>
    internal static byte[] NullModelsTar(int count)
    {
        using var folder = new TempFolder();
        for (var seed = 100; seed < 100 + count; seed++)
        {
            TinyModels.Write(TinyModels.Mlp(784, 64, 10, seed), folder.File($"null-{seed}.onnx"));
        }

        return Tars.OfFolder(folder.Path);
    }
}
