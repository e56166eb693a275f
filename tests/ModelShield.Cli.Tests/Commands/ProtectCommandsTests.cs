using System.Security.Cryptography;
using System.Text.Json;
using ModelShield.Testing.Browsers;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;

namespace ModelShield.Cli.Tests.Commands;

/// <summary>
/// <c>protect</c> then <c>investigate</c>, end to end on the shipped MLP and data sample: the release, an attacked copy
/// and an independent model. One release is made for the class (it fine-tunes), and each test investigates it.
/// </summary>
[TestClass]
public sealed class ProtectCommandsTests
{
    private static TempFolder _temp = null!;
    private static Release _release = null!;

    [ClassInitialize]
    public static void MakeRelease(TestContext context)
    {
        _ = context;
        _temp = new TempFolder();
        var (kit, key) = TestKits.New(_temp);
        using var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privateKey = _temp.File("release.key.pem");
        File.WriteAllText(privateKey, signingKey.ExportPkcs8PrivateKeyPem());
        var publicKey = _temp.File("release.pub.pem");
        File.WriteAllText(publicKey, signingKey.ExportSubjectPublicKeyInfoPem());

        // Independent models trained on the sample: three to calibrate on, one innocent suspect.
        var nulls = Directory.CreateDirectory(_temp.File("nulls")).FullName;
        foreach (var seed in new[] { 31, 32, 33 })
        {
            Train(Path.Combine(nulls, $"mlp-s{seed}.onnx"), seed);
        }

        var independent = Train(_temp.File("independent.onnx"), 77);
        var output = _temp.File("release");
        var protect = CliRunner.Run("protect", RepositoryFiles.Model("mlp"), "--kit", kit, "--kit-key-file", key, "--key", privateKey,
            "--data", RepositoryFiles.SampleData, "--null-models", nulls, "--trigger-lr", "0.001", "--repair-epochs", "1", "-o", output, "--json");
        var stolen = _temp.File("stolen.onnx");
        var attack = CliRunner.Run("lab", "attack", Path.Combine(output, "model.onnx"), "--attack", "finetune:epochs=1+prune:fraction=0.3", "--data", RepositoryFiles.SampleData, "-o", stolen);
        Assert.AreEqual(0, attack.ExitCode, attack.ToString());
        _release = new Release(kit, key, publicKey, nulls, output, protect, stolen, independent);
    }

    [ClassCleanup]
    public static void Cleanup() => _temp.Dispose();

    [TestMethod]
    public void Protect_SampleModel_WritesSignedReleaseWithCommitment()
    {
        var protect = _release.Protect;

        Assert.AreEqual(0, protect.ExitCode, protect.ToString());
        using var doc = JsonDocument.Parse(protect.Stdout);
        var root = doc.RootElement;
        var files = root.GetProperty("artifacts").EnumerateArray().Select(a => a.GetProperty("path").GetString()).ToList();
        CollectionAssert.AreEquivalent(new[] { "MODEL_CARD.md", "kit-commitment.json", "model.onnx", "model.sig" }, files);

        // The kit, so the triggers and the mark, are fresh each run. Extra epochs (10 by default) run while a trigger is
        // unlearned, before the fall at the full rate and after it at the final rate, so only a spent budget can leave
        // one: over 300 trigger embeddings of this model on this data the fall unlearned one in 10, each learned again
        // within 1-5 of the 6-9 extra epochs left, and none ended below 100 %. The accuracy changed by -0.3 points
        // (sd 0.3): a 1-point bound failed about one run in a hundred, 2.5 points lie 7 sd out.
        var triggers = root.GetProperty("triggers").GetProperty("training");
        Assert.IsTrue(
            triggers.GetProperty("triggerAccuracy").GetDouble() == 1 || triggers.GetProperty("epochsRun").GetInt32() == triggers.GetProperty("epochs").GetInt32() + 10,
            triggers.ToString());
        Assert.AreEqual(1, root.GetProperty("weights").GetProperty("repair").GetProperty("training").GetProperty("epochs").GetInt32());
        Assert.IsLessThan(2.5, Math.Abs(root.GetProperty("fidelity").GetProperty("accuracyChangePoints").GetDouble()));
        using var commitment = JsonDocument.Parse(File.ReadAllText(Path.Combine(_release.Output, "kit-commitment.json")));
        Assert.AreEqual(root.GetProperty("commitment").GetProperty("commitment").GetString(), commitment.RootElement.GetProperty("commitment").GetString());
        CollectionAssert.AreEqual(new[] { "triggers", "weights", "fingerprint" }, commitment.RootElement.GetProperty("schemes").EnumerateArray().Select(s => s.GetString()).ToList());
        var verify = CliRunner.Run("verify", _release.Output, "--public-key", _release.PublicKey);
        Assert.AreEqual(0, verify.ExitCode, verify.ToString());
        Assert.IsFalse(Directory.EnumerateDirectories(Path.GetDirectoryName(_release.Output)!, ".release.staging-*").Any());
    }

    [TestMethod]
    public void Investigate_Release_SignedReleaseExit0()
    {
        var result = Investigate(_release.Output, "--public-key", _release.PublicKey);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual("signed-release", doc.RootElement.GetProperty("verdict").GetString());
        Assert.IsTrue(doc.RootElement.GetProperty("signature").GetProperty("verified").GetBoolean());

        // The weight watermark and the fingerprint entries record the released file; the trigger entry, the intermediate model.
        Assert.AreEqual(2, doc.RootElement.GetProperty("releaseMatches").GetArrayLength());
    }

    [TestMethod]
    public void Investigate_AttackedCopy_DetectedExit0WithReport()
    {
        var report = _temp.File("stolen.html");
        var result = Investigate(_release.Stolen, "--original", RepositoryFiles.Model("mlp"), "--report", report);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.AreEqual("derived", root.GetProperty("verdict").GetString());
        Assert.AreEqual(3, root.GetProperty("testsRun").GetInt32());
        Assert.IsLessThan(-6, root.GetProperty("log10CombinedPValue").GetDouble());
        Assert.AreEqual("detected", root.GetProperty("weights").GetProperty("verdict").GetString());
        Assert.IsTrue(root.GetProperty("notRun").EnumerateArray().Any(n => n.GetProperty("test").GetString() == "signature"));
        Assert.IsTrue(File.Exists(Path.ChangeExtension(report, ".json")));
        var files = root.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("role").GetString()).ToList();
        CollectionAssert.IsSubsetOf(new[] { "kit", "suspect", "original" }, files);
    }

    [TestMethod]
    public void Investigate_IndependentModel_NotShownExit1()
    {
        var result = Investigate(_release.Independent);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual("not-shown", doc.RootElement.GetProperty("verdict").GetString());
        Assert.IsGreaterThan(-6, doc.RootElement.GetProperty("log10CombinedPValue").GetDouble());
        StringAssert.Contains(doc.RootElement.GetProperty("answer").GetString(), "does not prove");
    }

    [TestMethod]
    public void Investigate_ReleaseWithAddedFile_SignatureFailsButDerived()
    {
        var copy = _temp.File("tampered");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(_release.Output))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(copy, "extra.txt"), "not in the release");
        var result = Investigate(copy, "--public-key", _release.PublicKey);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual("derived", doc.RootElement.GetProperty("verdict").GetString());
        var signature = doc.RootElement.GetProperty("signature");
        Assert.IsFalse(signature.GetProperty("verified").GetBoolean());
        Assert.IsTrue(signature.GetProperty("issues").EnumerateArray().Any(i => i.GetProperty("path").GetString() == "extra.txt"));
        StringAssert.Contains(doc.RootElement.GetProperty("answer").GetString(), "altered");
    }

    [TestMethod]
    public void Investigate_Report_RendersVerdictAndFiguresInChromium()
    {
        var report = _temp.File("rendered.html");
        var result = Investigate(_release.Stolen, "--report", report);
        Assert.AreEqual(0, result.ExitCode, result.ToString());

        var dom = HeadlessChromium.DumpDom(report);

        StringAssert.Contains(dom, "Derived from our model");
        StringAssert.Contains(dom, "id=\"fig-weights-");
        StringAssert.Contains(dom, "id=\"fig-triggers-");
        StringAssert.Contains(dom, "id=\"fig-fingerprint-");
        StringAssert.Contains(dom, "class=\"suspect\"");
        StringAssert.Contains(dom, _release.Stolen);
        Assert.DoesNotContain("<script", dom);
        var png = _temp.File("rendered.png");
        HeadlessChromium.Screenshot(report, png);
        Assert.IsGreaterThan(10_000L, new FileInfo(png).Length);
    }

    [TestMethod]
    public void Protect_ExistingOutput_Exit2AndUntouched()
    {
        using var temp = new TempFolder();
        var output = Directory.CreateDirectory(temp.File("out")).FullName;
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        var result = CliRunner.Run("protect", RepositoryFiles.Model("mlp"), "--kit", _release.Kit, "--kit-key-file", _release.Key, "--key", _temp.File("release.key.pem"), "-o", output);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS1002");
        Assert.AreEqual("mine", File.ReadAllText(Path.Combine(output, "keep.txt")));
    }

    [TestMethod]
    public void Investigate_SuspectAndEndpoint_Exit2()
    {
        var result = CliRunner.Run("investigate", _release.Stolen, "--endpoint", "http://127.0.0.1:9/v2/models/x", "--kit", _release.Kit, "--kit-key-file", _release.Key);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "exactly one suspect");
    }

    private static CliResult Investigate(string suspect, params string[] extra) =>
        CliRunner.Run(["investigate", suspect, "--kit", _release.Kit, "--kit-key-file", _release.Key, "--null-models", _release.Nulls, "--json", .. extra]);

    private static string Train(string output, int seed)
    {
        var result = CliRunner.Run("lab", "train", "--arch", "mlp", "--data", RepositoryFiles.SampleData, "--epochs", "2", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", output);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return output;
    }

    private sealed record Release(string Kit, string Key, string PublicKey, string Nulls, string Output, CliResult Protect, string Stolen, string Independent);
}
