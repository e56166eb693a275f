using System.Net;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>POST /v1/inspect, and with it the upload rules every endpoint shares (size limit, multipart, tar safety).</summary>
[TestClass]
public sealed class InspectEndpointsTests
{
    private static readonly Uri Inspect = new("/v1/inspect", UriKind.Relative);

    [TestMethod]
    public async Task Inspect_OnnxFile_AnswersInspectionWithoutServerPaths()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "tiny.onnx", TinyModels.Mlp().ToByteArray())]));
        var json = await Problems.AssertJsonAsync(response, HttpStatusCode.OK);
        Assert.AreEqual("tiny.onnx", json.GetProperty("path").GetString());
        Assert.AreEqual((8 * 16) + 16 + (16 * 4) + 4L, json.GetProperty("parameterCount").GetInt64()); // the tiny MLP's weights and biases
        Assert.DoesNotContain(env.Options.TempFolder!, json.GetRawText());
    }

    [TestMethod]
    public async Task Inspect_TarOfFolderWithExternalData_InspectsTheOnnxInside()
    {
        using var env = new ApiTestEnvironment();
        using var model = new TempFolder();
        TinyModels.WriteWithExternalData(model.Path);
        using var client = env.Client(ApiRoles.Release);
        foreach (var gzip in new[] { false, true })
        {
            using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", gzip ? "m.tar.gz" : "m.tar", Tars.OfFolder(model.Path, gzip))]));
            var json = await Problems.AssertJsonAsync(response, HttpStatusCode.OK);
            Assert.AreEqual("model.onnx", json.GetProperty("path").GetString());
            Assert.AreEqual("weights.bin", json.GetProperty("externalDataFiles")[0].GetString());
        }
    }

    [TestMethod]
    public async Task Inspect_OverTheSizeLimit_Answers413WithMS1053()
    {
        using var env = new ApiTestEnvironment(o => o.MaxUploadBytes = 1000);
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "big.onnx", new byte[5000])]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.UploadTooLarge);
    }

    [TestMethod]
    public async Task Inspect_TarUnpackingOverTheLimit_Answers413WithMS1053()
    {
        using var env = new ApiTestEnvironment(o => o.MaxUploadBytes = 4000);
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("model.onnx"), new byte[100_000]);
        var tar = Tars.OfFolder(folder.Path, gzip: true); // zeros compress well: the tar is small, what it unpacks to is not
        Assert.IsLessThan(4000, tar.Length);
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "m.tgz", tar)]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.UploadTooLarge);
    }

    [TestMethod]
    public async Task Inspect_NotMultipart_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, new ByteArrayContent(TinyModels.Mlp().ToByteArray()));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Inspect_NoModelPart_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("other", "x.onnx", [1])]));
        var detail = await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
        Assert.Contains("'model'", detail);
    }

    [TestMethod]
    public async Task Inspect_MalformedModel_Answers400WithMS2001()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "bad.onnx", [0xff, 0xff, 0xff, 0x07, 0x01])]));
        var detail = await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.MalformedModel);
        Assert.DoesNotContain(env.Options.TempFolder!, detail);
    }

    [TestMethod]
    [DataRow("../evil.onnx")]
    [DataRow("a/../../evil.onnx")]
    [DataRow("/etc/evil.onnx")]
    [DataRow("a\\..\\evil.onnx")]
    public async Task Inspect_TarWithUnsafeEntryName_Answers400WithMS1055(string name)
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "m.tar", Tars.WithFile(name, TinyModels.Mlp().ToByteArray()))]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ArchiveEntryUnsafe);
        Assert.IsFalse(File.Exists(Path.Combine(env.Options.TempFolder!, "evil.onnx")));
        Assert.IsFalse(File.Exists(Path.Combine(env.Options.TempFolder!, "requests", "evil.onnx")));
    }

    [TestMethod]
    public async Task Inspect_TarWithSymbolicLink_Answers400WithMS1055()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "m.tar", Tars.WithLink("weights.bin", "/etc/passwd"))]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.ArchiveEntryUnsafe);
    }

    [TestMethod]
    public async Task Inspect_TruncatedTar_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        var tar = Tars.WithFile("model.onnx", new byte[4096]);
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "m.tar", tar[..1000])]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Inspect_AfterTheRequest_LeavesNoUploadBehind()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Inspect, ApiTestEnvironment.Form([("model", "tiny.onnx", TinyModels.Mlp().ToByteArray())]));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.IsEmpty(Directory.GetFileSystemEntries(Path.Combine(env.Options.TempFolder!, "requests")));
    }
}
