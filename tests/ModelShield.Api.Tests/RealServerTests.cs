using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Endpoints;
using ModelShield.Api.Tests.Support;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Api.Tests;

/// <summary>
/// The real thing: the built modelshield executable as the operator runs it (keys made and imported with its commands,
/// <c>serve</c> on a free loopback port), driven over HTTP through a protect, verify and investigate round.
/// </summary>
[TestClass]
public sealed class RealServerTests
{
    [TestMethod]
    public async Task Serve_RealProcess_ProtectVerifyInvestigateOverHttp()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("master.key"), RandomNumberGenerator.GetBytes(32));
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<string>();
        foreach (var role in new[] { ApiRoles.Release, ApiRoles.Investigate })
        {
            var made = CliRunner.Run("serve", "apikey", "--role", role, "--name", role + "-client", "--json");
            Assert.AreEqual(0, made.ExitCode, made.ToString());
            using var doc = JsonDocument.Parse(made.Stdout);
            keys[role] = doc.RootElement.GetProperty("key").GetString()!;
            entries.Add(doc.RootElement.GetProperty("configEntry").GetString()!);
        }

        var config = temp.File("api.json");
        File.WriteAllText(config, $$"""{ "Api": { "keyStore": { "folder": "keystore", "masterKeyFile": "master.key" }, "rateLimit": { "permitsPerMinute": 1200, "burst": 100 }, "dataFolders": { "sample": "{{RepositoryFiles.SampleData}}" }, "apiKeys": [ {{string.Join(", ", entries)}} ] } }""");
        using (var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(temp.File("release.key.pem"), signingKey.ExportPkcs8PrivateKeyPem());
        }

        File.WriteAllBytes(temp.File("owner.key"), RandomNumberGenerator.GetBytes(32));
        AssertOk(CliRunner.Run("kit", "new", "-o", temp.File("owner.mskit"), "--kit-key-file", temp.File("owner.key")));
        AssertOk(CliRunner.Run("serve", "keystore", "add-key", "--config", config, "--id", "release", "--key", temp.File("release.key.pem")));
        AssertOk(CliRunner.Run("serve", "keystore", "add-kit", "--config", config, "--id", "acme", "--kit", temp.File("owner.mskit"), "--kit-key-file", temp.File("owner.key")));

        var port = FreePort();
        using var server = StartServer(config, port, out var log);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
            await WaitUntilUpAsync(http, server, log);

            http.DefaultRequestHeaders.Add(ApiKeyAuthentication.HeaderName, keys[ApiRoles.Release]);
            using var accepted = await http.PostAsync(new Uri("/v1/protect", UriKind.Relative), ApiTestEnvironment.Form(
                [("model", "model.onnx", TinyModels.Mlp(784, 64, 10, seed: 1).ToByteArray()), ("nullModels", "nulls.tar", FingerprintEndpointsTests.NullModelsTar(4))],
                ("kitId", "acme"), ("keyId", "release"), ("payload", "ACME v1"), ("data", "sample"), ("triggers", "0")));
            var protect = await JobPolling.AwaitAsync(http, accepted);
            JobPolling.Result(protect);
            var release = await http.GetByteArrayAsync(new Uri($"/v1/jobs/{protect.GetProperty("id").GetString()}/archive", UriKind.Relative));

            using var verified = await http.PostAsync(new Uri("/v1/verify", UriKind.Relative), ApiTestEnvironment.Form([("model", "release.tar", release)], ("keyId", "release")));
            var verdict = await Problems.AssertJsonAsync(verified, HttpStatusCode.OK);
            Assert.IsTrue(verdict.GetProperty("verified").GetBoolean(), verdict.GetRawText());

            http.DefaultRequestHeaders.Remove(ApiKeyAuthentication.HeaderName);
            http.DefaultRequestHeaders.Add(ApiKeyAuthentication.HeaderName, keys[ApiRoles.Investigate]);
            using var investigate = await http.PostAsync(new Uri("/v1/investigate", UriKind.Relative), ApiTestEnvironment.Form([("suspect", "release.tar", release)], ("kitId", "acme"), ("keyId", "release")));
            var report = JobPolling.Result(await JobPolling.AwaitAsync(http, investigate));
            Assert.AreEqual("signed-release", report.GetProperty("verdict").GetString(), report.GetRawText());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        foreach (var key in keys.Values)
        {
            Assert.DoesNotContain(key, log.ToString());
        }
    }

    [TestMethod]
    public void ServeKeyStore_AddKeyThenList_ListsIdsAndKindsOnly()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("master.key"), RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(temp.File("api.json"), """{ "Api": { "keyStore": { "folder": "ks", "masterKeyFile": "master.key" } } }""");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = key.ExportPkcs8PrivateKeyPem();
        File.WriteAllText(temp.File("k.pem"), pem);
        AssertOk(CliRunner.Run("serve", "keystore", "add-key", "--config", temp.File("api.json"), "--id", "release", "--key", temp.File("k.pem")));
        var again = CliRunner.Run("serve", "keystore", "add-key", "--config", temp.File("api.json"), "--id", "release", "--key", temp.File("k.pem"));
        Assert.AreEqual(2, again.ExitCode, again.ToString());
        StringAssert.Contains(again.Stderr, "MS1002");

        var list = CliRunner.Run("serve", "keystore", "list", "--config", temp.File("api.json"), "--json");
        AssertOk(list);
        using var doc = JsonDocument.Parse(list.Stdout);
        Assert.AreEqual("release", doc.RootElement[0].GetProperty("id").GetString());
        Assert.AreEqual("signingKey", doc.RootElement[0].GetProperty("kind").GetString());
        var stored = File.ReadAllText(Path.Combine(temp.Path, "ks", "release.mskey"), Encoding.Latin1);
        Assert.DoesNotContain("PRIVATE KEY", stored);
        Assert.DoesNotContain(pem.Split('\n')[1], stored);
    }

    [TestMethod]
    [DataRow("/nonexistent/api.json", "MS1001")]
    [DataRow("BAD", "MS1060")]
    public void Serve_UnusableConfig_Exits2WithTheCode(string config, string code)
    {
        using var temp = new TempFolder();
        if (config == "BAD")
        {
            config = temp.File("api.json");
            File.WriteAllText(config, """{ "Api": { "apiKeys": [ { "name": "x", "role": "root", "sha256": "00" } ] } }""");
        }

        var result = CliRunner.Run("serve", "--urls", $"http://127.0.0.1:{FreePort()}", "--config", config);
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, code);
    }

    private static Process StartServer(string config, int port, out StringBuilder log)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "modelshield.dll"), "serve", "--urls", $"http://127.0.0.1:{port}", "--config", config })
        {
            start.ArgumentList.Add(a);
        }

        var sink = new StringBuilder();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (sink) { sink.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (sink) { sink.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        log = sink;
        return process;
    }

    private static async Task WaitUntilUpAsync(HttpClient http, Process server, StringBuilder log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.IsFalse(server.HasExited, $"the server exited: {log}");
            try
            {
                using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the server did not answer /health within 60 s: {log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AssertOk(CliResult result) => Assert.AreEqual(0, result.ExitCode, result.ToString());
}
