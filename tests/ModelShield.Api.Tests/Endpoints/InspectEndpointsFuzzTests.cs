using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Testing.Files;
using ModelShield.Testing.Fuzzing;
using ModelShield.Testing.Models;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>
/// Hostile uploads to POST /v1/inspect, the upload path every endpoint shares: mutated multipart bodies (boundaries,
/// part headers, hostile file names), mutated models and mutated tars. Every answer is 200 or a 4xx ProblemDetails
/// with a documented code, never a 5xx, and the request leaves nothing behind in the server's upload folder.
/// </summary>
[TestClass]
public sealed class InspectEndpointsFuzzTests
{
    private const string Boundary = "fuzz-boundary-7Qk";

    private static readonly string[] HostileFileNames =
        ["tiny.onnx", "../../escape.onnx", "/etc/escape.onnx", ".hidden", "a\\b.onnx", "", "m.tar", "m.tar.gz", "x\".onnx", "名前.onnx"];

    [TestMethod]
    public async Task Inspect_MutatedUploads_Answer200Or4xxWithDocumentedCode()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var folder = new TempFolder();
        TinyModels.WriteWithExternalData(folder.Path);
        var model = TinyModels.Mlp().ToByteArray();
        var tar = Tars.OfFolder(folder.Path);

        var run = await new FuzzRun("inspect upload", seed: 1054, []).RunAsync(
            250,
            random => random.Next(4) switch
            {
                0 => ByteMutations.Mutate(random, Body("tiny.onnx", model)),
                1 => Part(random, "tiny.onnx", ProtobufMutations.Mutate(random, model)),
                2 => Part(random, "m.tar", TarMutations.Mutate(random, tar)),
                _ => new Mutant(Body(HostileFileNames[random.Next(HostileFileNames.Length)], random.Next(2) == 0 ? model : tar), "hostile file name"),
            },
            async mutant =>
            {
                using var content = new ByteArrayContent(mutant.Bytes);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
                using var response = await client.PostAsync(new Uri("/v1/inspect", UriKind.Relative), content);
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                if (status == 200)
                {
                    return "200";
                }

                Assert.IsTrue(status is >= 400 and < 500, $"HTTP {status}: {body}");
                var code = JsonDocument.Parse(body).RootElement.GetProperty("code").GetString()!;
                Assert.IsTrue(FuzzRun.IsDocumented(code), $"HTTP {status} with undocumented code {code}");
                return $"{status} {code}";
            });

        run.AssertClean();
        Assert.IsEmpty(Directory.GetFileSystemEntries(Path.Combine(env.Options.TempFolder!, "requests")), "uploads left behind");
    }

    private static Mutant Part(Random random, string fileName, Mutant content) =>
        new(Body(fileName, content.Bytes), $"{fileName}: {content.Description}");

    /// <summary>A multipart body with one file part <c>model</c>, written by hand so that its bytes can be mutated.</summary>
    private static byte[] Body(string fileName, byte[] content) =>
    [
        .. Encoding.UTF8.GetBytes(
            $"--{Boundary}\r\nContent-Disposition: form-data; name=\"model\"; filename=\"{fileName}\"\r\nContent-Type: application/octet-stream\r\n\r\n"),
        .. content,
        .. Encoding.UTF8.GetBytes($"\r\n--{Boundary}--\r\n"),
    ];
}
