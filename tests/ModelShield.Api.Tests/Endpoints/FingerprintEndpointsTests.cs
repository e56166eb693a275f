using System.Net;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;
using ModelShield.Testing.Oip;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>POST /v1/fingerprints/record (a job) and POST /v1/fingerprints/compare, with a file and with an endpoint.</summary>
[TestClass]
public sealed class FingerprintEndpointsTests
{
    private static readonly Uri Record = new("/v1/fingerprints/record", UriKind.Relative);
    private static readonly Uri Compare = new("/v1/fingerprints/compare", UriKind.Relative);

    [TestMethod]
    public async Task RecordThenCompare_OwnerAsFileAndAsAllowedEndpoint_Clone()
    {
        var owner = TinyModels.Mlp(784, 64, 10, seed: 1).ToByteArray();
        await using var suspectServer = await OipTestServer.StartAsync(owner);
        using var env = new ApiTestEnvironment(o =>
        {
            o.DataFolders["sample"] = RepositoryFiles.SampleData;
            o.AllowedEndpoints.Add(new Uri(suspectServer.ModelUrl, "/v2/models/").ToString());
        });
        using var release = env.Client(ApiRoles.Release);
        using var accepted = await release.PostAsync(Record, ApiTestEnvironment.Form(
            [("model", "owner.onnx", owner), ("nullModels", "nulls.tar", NullModelsTar(4))], ("kitId", ApiTestEnvironment.KitId), ("data", "sample")));
        var recorded = JobPolling.Result(await JobPolling.AwaitAsync(release, accepted));
        Assert.AreEqual("given", recorded.GetProperty("nullOrigin").GetString());
        Assert.AreEqual("owner.onnx", recorded.GetProperty("model").GetString());

        using var investigator = env.Client(ApiRoles.Investigate);
        using var byFile = await investigator.PostAsync(Compare, ApiTestEnvironment.Form([("suspect", "suspect.onnx", owner)], ("kitId", ApiTestEnvironment.KitId)));
        Assert.AreEqual("clone", (await Problems.AssertJsonAsync(byFile, HttpStatusCode.OK)).GetProperty("verdict").GetString());

        using var byEndpoint = await investigator.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", suspectServer.ModelUrl.ToString()), ("maxQueries", "1000")));
        var report = await Problems.AssertJsonAsync(byEndpoint, HttpStatusCode.OK);
        Assert.AreEqual("clone", report.GetProperty("verdict").GetString(), report.GetRawText());
        Assert.IsGreaterThan(0, suspectServer.InferRequests);
    }

    [TestMethod]
    public async Task Compare_EndpointNotOnTheAllowList_Answers403WithMS1057AndSendsNothing()
    {
        await using var suspectServer = await OipTestServer.StartAsync(TinyModels.Mlp(784, 64, 10).ToByteArray());
        using var env = new ApiTestEnvironment(o => o.AllowedEndpoints.Add("http://127.0.0.1:1/v2/models/other"));
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", suspectServer.ModelUrl.ToString())));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.EndpointNotAllowed);
        Assert.AreEqual(0, suspectServer.MetadataRequests + suspectServer.InferRequests);
    }

    [TestMethod]
    public async Task Compare_FileAndEndpointBoth_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([("suspect", "s.onnx", [1])], ("kitId", ApiTestEnvironment.KitId), ("endpoint", "http://127.0.0.1:1/v2/models/m")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Compare_UnknownKit_Answers404WithMS1056()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([("suspect", "s.onnx", [1])], ("kitId", "nobody")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.KeyStoreIdUnknown);
    }

    [TestMethod]
    public async Task Record_UnknownDataFolder_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Record, ApiTestEnvironment.Form([("model", "m.onnx", TinyModels.Mlp().ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("data", "/usr/share")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Compare_SuspectEndpointFails_Answers502WithMS8004()
    {
        using var env = new ApiTestEnvironment();
        var owner = await RecordedAsync(env);
        await using var suspectServer = await OipTestServer.StartAsync(owner);
        suspectServer.InferFault = OipFault.ServerError;
        env.Options.AllowedEndpoints.Add(suspectServer.ModelUrl.ToString());
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", suspectServer.ModelUrl.ToString())));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadGateway, ErrorCodes.EndpointRefused);
    }

    [TestMethod]
    public async Task Compare_SuspectEndpointSlowerThanTheRequestTimeout_Answers504()
    {
        using var env = new ApiTestEnvironment(o => o.RequestTimeoutSeconds = 2);
        var owner = await RecordedAsync(env);
        await using var suspectServer = await OipTestServer.StartAsync(owner, new OipTestServerOptions { SlowDelay = TimeSpan.FromSeconds(30) });
        suspectServer.InferFault = OipFault.Slow;
        env.Options.AllowedEndpoints.Add(suspectServer.ModelUrl.ToString());
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Compare, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", suspectServer.ModelUrl.ToString())));
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.GatewayTimeout, response.StatusCode, body);
        Assert.IsTrue(body.Contains(ErrorCodes.RequestTimedOut, StringComparison.Ordinal) || body.Contains(ErrorCodes.EndpointTimeout, StringComparison.Ordinal), body);
    }

    /// <summary>Records a fingerprint of a tiny owner model into the environment's kit (through the library) and returns the model.</summary>
    private static async Task<byte[]> RecordedAsync(ApiTestEnvironment env)
    {
        var owner = TinyModels.Mlp(784, 64, 10, seed: 1).ToByteArray();
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("owner.onnx"), owner);
        var nulls = Directory.CreateDirectory(folder.File("nulls")).FullName;
        for (var seed = 100; seed < 104; seed++)
        {
            TinyModels.Write(TinyModels.Mlp(784, 64, 10, seed), Path.Combine(nulls, $"null-{seed}.onnx"));
        }

        using var lease = await env.KeyStore.OpenKitAsync(ApiTestEnvironment.KitId, forUpdate: true, CancellationToken.None);
        await Protection.Fingerprints.FingerprintRecording.RecordAsync(new Protection.Fingerprints.FingerprintRecordRequest
        {
            ModelPath = folder.File("owner.onnx"), Kit = lease.Access, DataFolder = RepositoryFiles.SampleData, NullModels = nulls,
        });
        lease.Commit();
        return owner;
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
