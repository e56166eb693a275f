using System.Text.Json;
using Google.Protobuf;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Cli.Tests.Commands;

/// <summary><c>kit new|show</c> and <c>watermark embed|detect</c>, run end to end.</summary>
[TestClass]
public sealed class WatermarkCommandsTests
{
    [TestMethod]
    public void EmbedThenDetect_MarkedModel_Exit0AndIndependentModelExit1()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var original = TinyModels.Write(TinyModels.Mlp(784, 128, 10, seed: 1), temp.File("original.onnx"));
        var independent = TinyModels.Write(TinyModels.Mlp(784, 128, 10, seed: 2), temp.File("independent.onnx"));

        var embed = CliRunner.Run("watermark", "embed", original, "--kit", kit, "--kit-key-file", key, "--payload", "ACME v1", "-o", temp.File("marked.onnx"), "--json");
        var detect = CliRunner.Run("watermark", "detect", temp.File("marked.onnx"), "--kit", kit, "--kit-key-file", key, "--json");
        var miss = CliRunner.Run("watermark", "detect", independent, "--kit", kit, "--kit-key-file", key, "--json");

        Assert.AreEqual(0, embed.ExitCode, embed.ToString());
        Assert.AreEqual(0, detect.ExitCode, detect.ToString());
        using var found = JsonDocument.Parse(detect.Stdout);
        var test = found.RootElement.GetProperty("tests")[0];
        Assert.AreEqual(256, test.GetProperty("matched").GetInt32());
        Assert.AreEqual("exact binomial, one-sided", test.GetProperty("test").GetString());
        Assert.IsLessThan(-20, test.GetProperty("log10PValue").GetDouble());
        Assert.AreEqual(1, miss.ExitCode, miss.ToString());
        using var missed = JsonDocument.Parse(miss.Stdout);
        Assert.AreEqual("not detected", missed.RootElement.GetProperty("verdict").GetString());
    }

    [TestMethod]
    [DataRow("permute")]
    [DataRow("rescale")]
    [DataRow("dummy-neurons:count=16")]
    [DataRow("permute+rescale+dummy-neurons")]
    public void Detect_WithOriginalAfterFunctionPreservingAttack_RecoversEveryBit(string attack)
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var original = Path.Combine(RepositoryFiles.Root, "models", "mlp", "model.onnx");
        Assert.AreEqual(0, CliRunner.Run("watermark", "embed", original, "--kit", kit, "--kit-key-file", key, "--payload", "ACME", "-o", temp.File("marked.onnx")).ExitCode);
        var stolen = CliRunner.Run("lab", "attack", temp.File("marked.onnx"), "--attack", attack, "--data", RepositoryFiles.SampleData, "-o", temp.File("stolen.onnx"));
        Assert.AreEqual(0, stolen.ExitCode, stolen.ToString());

        var aligned = CliRunner.Run("watermark", "detect", temp.File("stolen.onnx"), "--kit", kit, "--kit-key-file", key, "--original", original, "--json");

        Assert.AreEqual(0, aligned.ExitCode, aligned.ToString());
        using var doc = JsonDocument.Parse(aligned.Stdout);
        var test = doc.RootElement.GetProperty("tests")[0];
        Assert.AreEqual(256, test.GetProperty("matched").GetInt32(), aligned.Stdout);
        Assert.IsTrue(test.GetProperty("fromAlignedModel").GetBoolean());
        // Every reading tried counts: blind by name (and, when dummy neurons changed the shapes, by size), then aligned.
        Assert.AreEqual(attack.Contains("dummy", StringComparison.Ordinal) ? 3 : 2, test.GetProperty("comparisons").GetInt32());
    }

    [TestMethod]
    public void Embed_WithData_ReportsFidelityOnTheTestSplit()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var original = Path.Combine(RepositoryFiles.Root, "models", "cnn", "model.onnx");

        var embed = CliRunner.Run("watermark", "embed", original, "--kit", kit, "--kit-key-file", key, "--payload", "ACME", "--data", RepositoryFiles.SampleData, "-o", temp.File("marked.onnx"), "--json");

        Assert.AreEqual(0, embed.ExitCode, embed.ToString());
        using var doc = JsonDocument.Parse(embed.Stdout);
        var fidelity = doc.RootElement.GetProperty("fidelity");
        Assert.AreEqual(2000, fidelity.GetProperty("testImages").GetInt32());
        Assert.IsGreaterThan(0.8, fidelity.GetProperty("accuracyBefore").GetDouble(), "the sample CNN classifies the sample's test images");
        Assert.IsGreaterThan(0.95, fidelity.GetProperty("top1Agreement").GetDouble());
    }

    [TestMethod]
    public void KitShow_AfterEmbed_ListsEntryButNoSecrets()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var original = TinyModels.Write(TinyModels.Mlp(784, 128, 10), temp.File("original.onnx"));
        Assert.AreEqual(0, CliRunner.Run("watermark", "embed", original, "--kit", kit, "--kit-key-file", key, "--payload-hex", new string('a', 64), "-o", temp.File("m.onnx")).ExitCode);

        var show = CliRunner.Run("kit", "show", kit, "--kit-key-file", key, "--json");

        Assert.AreEqual(0, show.ExitCode, show.ToString());
        using var doc = JsonDocument.Parse(show.Stdout);
        var entry = doc.RootElement.GetProperty("entries")[0];
        Assert.AreEqual("weights", entry.GetProperty("scheme").GetString());
        Assert.AreEqual(64, entry.GetProperty("modelSha256").GetString()!.Length);
        Assert.AreEqual(256, entry.GetProperty("summary").GetProperty("bits").GetInt32());
        Assert.DoesNotContain("masterKey", show.Stdout);
        Assert.DoesNotContain("payloadHex", show.Stdout);
        Assert.DoesNotContain(new string('a', 64), show.Stdout);
    }

    [TestMethod]
    public void KitShow_WrongPassphrase_Exit2WithClearMessage()
    {
        using var temp = new TempFolder();
        var kit = temp.File("k.mskit");
        var env = new Dictionary<string, string> { ["MODELSHIELD_PASSPHRASE"] = "right one" };
        Assert.AreEqual(0, CliRunner.Run(null, env, "kit", "new", "-o", kit).ExitCode);

        var result = CliRunner.Run(null, new Dictionary<string, string> { ["MODELSHIELD_PASSPHRASE"] = "wrong one" }, "kit", "show", kit);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS7002");
        StringAssert.Contains(result.Stderr, "wrong passphrase");
        Assert.DoesNotContain("wrong one", result.Stderr + result.Stdout);
    }

    [TestMethod]
    public void KitNew_NoSecret_Exit2()
    {
        using var temp = new TempFolder();

        var result = CliRunner.Run(null, new Dictionary<string, string> { ["MODELSHIELD_PASSPHRASE"] = "" }, "kit", "new", "-o", temp.File("k.mskit"));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS7003");
        Assert.IsFalse(File.Exists(temp.File("k.mskit")));
    }

    [TestMethod]
    public void Embed_TooSmallModel_Exit2AndKitUnchanged()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var before = File.ReadAllBytes(kit);
        var tiny = TinyModels.Write(TinyModels.Mlp(), temp.File("tiny.onnx"));

        var result = CliRunner.Run("watermark", "embed", tiny, "--kit", kit, "--kit-key-file", key, "--payload", "x", "-o", temp.File("out.onnx"));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS7010");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(kit));
        Assert.IsFalse(File.Exists(temp.File("out.onnx")));
    }

    [TestMethod]
    public void Embed_OutputIsInput_Exit2AndInputUntouched()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var path = TinyModels.Write(TinyModels.Mlp(784, 128, 10), temp.File("m.onnx"));
        var before = File.ReadAllBytes(path);

        var result = CliRunner.Run("watermark", "embed", path, "--kit", kit, "--kit-key-file", key, "--payload", "x", "-o", path, "--force");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void Detect_UnknownScheme_Exit2ListingKnownOnes()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var path = TinyModels.Write(TinyModels.Mlp(), temp.File("m.onnx"));

        var result = CliRunner.Run("watermark", "detect", path, "--kit", kit, "--kit-key-file", key, "--scheme", "nope");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "weights");
    }
}
