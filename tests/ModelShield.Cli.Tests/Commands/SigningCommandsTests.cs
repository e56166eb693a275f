using System.Text.Json;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;

namespace ModelShield.Cli.Tests.Commands;

/// <summary>End to end: the real modelshield executable signs and verifies, with DESIGN.md's exit codes.</summary>
[TestClass]
public sealed class SigningCommandsTests
{
    private static readonly string Keys = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "ModelShield.Signing.Tests", "Interop", "oms-model-transparency", "keys", "certificate");

    [TestMethod]
    public void SignThenVerify_CertificateMethod_ExitsZeroThenOneAfterTampering()
    {
        using var model = new TempFolder();
        File.WriteAllText(model.File("weights.bin"), "weights");
        var sign = CliRunner.Run("sign", model.Path, "--key", Key("signing-key.pem"), "--cert", Key("signing-key-cert.pem"), "--chain", Key("int-ca-cert.pem"));
        Assert.AreEqual(0, sign.ExitCode, sign.ToString());

        var ok = CliRunner.Run("verify", model.Path, "--trust-root", Key("ca-cert.pem"), "--json");
        Assert.AreEqual(0, ok.ExitCode, ok.ToString());
        using (var doc = JsonDocument.Parse(ok.Stdout))
        {
            Assert.IsTrue(doc.RootElement.GetProperty("verified").GetBoolean());
        }

        File.AppendAllText(model.File("weights.bin"), "!");
        var bad = CliRunner.Run("verify", model.Path, "--trust-root", Key("ca-cert.pem"), "--json");
        Assert.AreEqual(1, bad.ExitCode, bad.ToString());
        using var failed = JsonDocument.Parse(bad.Stdout);
        Assert.AreEqual("MS5010", failed.RootElement.GetProperty("issues")[0].GetProperty("code").GetString());
    }

    [TestMethod]
    public void Verify_MalformedBundle_ExitsOne()
    {
        using var model = new TempFolder();
        File.WriteAllText(model.File("weights.bin"), "weights");
        File.WriteAllText(model.File("model.sig"), "{ not a bundle");
        var result = CliRunner.Run("verify", model.Path, "--public-key", Key("signing-key-pub.pem"));
        Assert.AreEqual(1, result.ExitCode, result.ToString());
    }

    [TestMethod]
    public void Verify_UnreadablePathOrNoTrust_ExitsTwo()
    {
        Assert.AreEqual(2, CliRunner.Run("verify", "/nonexistent/model", "--public-key", Key("signing-key-pub.pem")).ExitCode);
        Assert.AreEqual(2, CliRunner.Run("verify", Path.GetTempPath()).ExitCode);
    }

    private static string Key(string name) => Path.GetFullPath(Path.Combine(Keys, name));
}
