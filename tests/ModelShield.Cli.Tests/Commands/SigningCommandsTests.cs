using System.Diagnostics;
using System.Text.Json;

namespace ModelShield.Cli.Tests.Commands;

/// <summary>End to end: the real modelshield executable signs and verifies, with DESIGN.md's exit codes.</summary>
[TestClass]
public sealed class SigningCommandsTests
{
    private static readonly string Keys = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "ModelShield.Signing.Tests", "Interop", "oms-model-transparency", "keys", "certificate");

    [TestMethod]
    public void SignThenVerify_CertificateMethod_ExitsZeroThenOneAfterTampering()
    {
        var model = Directory.CreateTempSubdirectory("ms-cli-sign-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(model, "weights.bin"), "weights");
            var (signCode, _, signErr) = Run("sign", model, "--key", Key("signing-key.pem"), "--cert", Key("signing-key-cert.pem"), "--chain", Key("int-ca-cert.pem"));
            Assert.AreEqual(0, signCode, signErr);

            var (ok, okOut, _) = Run("verify", model, "--trust-root", Key("ca-cert.pem"), "--json");
            Assert.AreEqual(0, ok, okOut);
            using (var doc = JsonDocument.Parse(okOut))
            {
                Assert.IsTrue(doc.RootElement.GetProperty("verified").GetBoolean());
            }

            File.AppendAllText(Path.Combine(model, "weights.bin"), "!");
            var (bad, badOut, _) = Run("verify", model, "--trust-root", Key("ca-cert.pem"), "--json");
            Assert.AreEqual(1, bad);
            using var failed = JsonDocument.Parse(badOut);
            Assert.AreEqual("MS5010", failed.RootElement.GetProperty("issues")[0].GetProperty("code").GetString());
        }
        finally
        {
            Directory.Delete(model, recursive: true);
        }
    }

    [TestMethod]
    public void Verify_MalformedBundle_ExitsOne()
    {
        var model = Directory.CreateTempSubdirectory("ms-cli-bad-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(model, "weights.bin"), "weights");
            File.WriteAllText(Path.Combine(model, "model.sig"), "{ not a bundle");
            var (code, _, err) = Run("verify", model, "--public-key", Key("signing-key-pub.pem"));
            Assert.AreEqual(1, code, err);
        }
        finally
        {
            Directory.Delete(model, recursive: true);
        }
    }

    [TestMethod]
    public void Verify_UnreadablePathOrNoTrust_ExitsTwo()
    {
        Assert.AreEqual(2, Run("verify", "/nonexistent/model", "--public-key", Key("signing-key-pub.pem")).Code);
        Assert.AreEqual(2, Run("verify", Path.GetTempPath()).Code);
    }

    private static string Key(string name) => Path.GetFullPath(Path.Combine(Keys, name));

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "modelshield.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
