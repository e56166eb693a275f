using System.Net;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;
using ModelShield.Protection.Investigate;
using ModelShield.Protection.Suspects;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>POST /v1/protect and POST /v1/investigate (both jobs), with the release downloaded from the job's archive.</summary>
[TestClass]
public sealed class ProtectInvestigateEndpointsTests
{
    private static readonly Uri Protect = new("/v1/protect", UriKind.Relative);
    private static readonly Uri Investigate = new("/v1/investigate", UriKind.Relative);

    [TestMethod]
    public async Task ProtectThenInvestigate_ReleaseTar_SignedReleaseAndIndependentGetsTheLibrarysVerdict()
    {
        using var env = new ApiTestEnvironment(o => o.DataFolders["sample"] = RepositoryFiles.SampleData);
        using var release = env.Client(ApiRoles.Release);
        using var accepted = await release.PostAsync(Protect, ApiTestEnvironment.Form(
            [("model", "model.onnx", TinyModels.Mlp(784, 64, 10, seed: 1).ToByteArray()), ("nullModels", "nulls.tar", FingerprintEndpointsTests.NullModelsTar(4))],
            ("kitId", ApiTestEnvironment.KitId), ("keyId", ApiTestEnvironment.SigningKeyId), ("data", "sample"), ("triggers", "0"), ("payload", "ACME")));
        var status = await JobPolling.AwaitAsync(release, accepted);
        var result = JobPolling.Result(status);
        Assert.AreEqual("release", result.GetProperty("outputFolder").GetString());
        var artifacts = result.GetProperty("artifacts").EnumerateArray().Select(a => a.GetProperty("path").GetString()).ToList();
        CollectionAssert.Contains(artifacts, "model.sig");
        var jobId = status.GetProperty("id").GetString();
        var archive = await release.GetByteArrayAsync(new Uri($"/v1/jobs/{jobId}/archive", UriKind.Relative));
        var releasedModel = await release.GetByteArrayAsync(new Uri($"/v1/jobs/{jobId}/files/release/model.onnx", UriKind.Relative));

        using var investigator = env.Client(ApiRoles.Investigate);
        using var ours = await investigator.PostAsync(Investigate, ApiTestEnvironment.Form([("suspect", "release.tar", archive)], ("kitId", ApiTestEnvironment.KitId), ("keyId", ApiTestEnvironment.SigningKeyId)));
        var oursStatus = await JobPolling.AwaitAsync(investigator, ours);
        var report = JobPolling.Result(oursStatus);
        Assert.AreEqual("signed-release", report.GetProperty("verdict").GetString(), report.GetRawText());
        var html = await investigator.GetStringAsync(new Uri($"/v1/jobs/{oursStatus.GetProperty("id").GetString()}/files/report.html", UriKind.Relative));
        Assert.Contains("<html", html);

        using var copy = await investigator.PostAsync(Investigate, ApiTestEnvironment.Form([("suspect", "copy.onnx", releasedModel)], ("kitId", ApiTestEnvironment.KitId)));
        Assert.AreNotEqual("not-shown", JobPolling.Result(await JobPolling.AwaitAsync(investigator, copy)).GetProperty("verdict").GetString());

        // Protect draws fresh fingerprint queries and only four null models calibrate them, so how near this independent
        // model comes to alpha varies from record to record. The verdict is the library's on the same kit, not a constant;
        // independent models are tested on fixed queries elsewhere.
        var other = TinyModels.Mlp(784, 64, 10, seed: 999).ToByteArray();
        using var independent = await investigator.PostAsync(Investigate, ApiTestEnvironment.Form([("suspect", "other.onnx", other)], ("kitId", ApiTestEnvironment.KitId)));
        var expected = await LibraryVerdict(env, other);
        Assert.AreEqual(expected, JobPolling.Result(await JobPolling.AwaitAsync(investigator, independent)).GetProperty("verdict").GetString());
    }

    [TestMethod]
    public async Task Protect_UnknownSigningKey_Answers404WithMS1056()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Protect, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp().ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("keyId", "nope")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.KeyStoreIdUnknown);
    }

    [TestMethod]
    public async Task Protect_InvestigateRole_Answers403()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Protect, ApiTestEnvironment.Form([]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.ApiRoleForbidden);
    }

    [TestMethod]
    public async Task Investigate_EndpointNotAllowed_Answers403WithMS1057()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(Investigate, ApiTestEnvironment.Form([], ("kitId", ApiTestEnvironment.KitId), ("endpoint", "http://169.254.169.254/v2/models/m")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.EndpointNotAllowed);
    }

    [TestMethod]
    public async Task JobFiles_PathOutsideTheJob_Refused()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var accepted = await client.PostAsync(new Uri("/v1/watermarks/embed", UriKind.Relative),
            ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp(784, 128, 10).ToByteArray())], ("kitId", ApiTestEnvironment.KitId), ("payload", "x")));
        var status = await JobPolling.AwaitAsync(client, accepted);
        using var response = await client.GetAsync(new Uri($"/v1/jobs/{status.GetProperty("id").GetString()}/files/..%2F..%2Fkeystore%2Frelease-key.mskey", UriKind.Relative));
        Assert.IsTrue(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, response.StatusCode.ToString());
    }

    /// <summary>The verdict the library gives the model under the server's kit, as the investigate job should report it.</summary>
    private static async Task<string> LibraryVerdict(ApiTestEnvironment env, byte[] model)
    {
        var path = env.Folder.File("library-suspect.onnx");
        await File.WriteAllBytesAsync(path, model);
        using var lease = await env.KeyStore.OpenKitAsync(ApiTestEnvironment.KitId, forUpdate: false, CancellationToken.None);
        return (await Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(path), Kit = lease.Access })).Verdict;
    }
}
