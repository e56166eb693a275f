using System.Text.Json;
using Google.Protobuf;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;
using ModelShield.Testing.Oip;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Triggers;

namespace ModelShield.Cli.Tests.Commands;

/// <summary>
/// <c>watermark embed|detect --scheme triggers</c>, run end to end. Detection tests use a model that memorized the
/// kit's triggers (what embedding produces, without the minutes of fine-tuning); embedding itself is the slow test.
/// </summary>
[TestClass]
public sealed class TriggerCommandsTests
{
    [TestMethod]
    public void Detect_FileAnsweringTriggers_Exit0EarlyAndIndependentExit1()
    {
        using var temp = new TempFolder();
        var (kit, key, triggers) = KitWithTriggers(temp);
        var marked = TinyModels.Write(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10), temp.File("marked.onnx"));
        var independent = TinyModels.Write(TinyModels.Mlp(784, 64, 10, seed: 3), temp.File("independent.onnx"));

        var hit = Detect(marked, kit, key);
        var miss = Detect(independent, kit, key);

        Assert.AreEqual(0, hit.ExitCode, hit.ToString());
        using var found = JsonDocument.Parse(hit.Stdout);
        var test = found.RootElement.GetProperty("tests")[0];
        Assert.AreEqual("detected", found.RootElement.GetProperty("verdict").GetString());
        Assert.AreEqual("early", test.GetProperty("stopped").GetString());
        Assert.AreEqual(test.GetProperty("criticalMatched").GetInt32(), test.GetProperty("matched").GetInt32());
        Assert.IsLessThan(100, found.RootElement.GetProperty("queriesSpent").GetInt32());
        Assert.AreEqual(1.0, test.GetProperty("triggerAccuracy").GetDouble());
        StringAssert.Contains(test.GetProperty("chanceRateSource").GetString(), "analytic");
        Assert.AreEqual(1, miss.ExitCode, miss.ToString());
        using var missed = JsonDocument.Parse(miss.Stdout);
        Assert.AreEqual("not detected", missed.RootElement.GetProperty("verdict").GetString());
        Assert.IsGreaterThan(-6, missed.RootElement.GetProperty("tests")[0].GetProperty("log10PValue").GetDouble());
    }

    [TestMethod]
    public void Detect_AllTriggers_SendsEveryTrigger()
    {
        using var temp = new TempFolder();
        var (kit, key, triggers) = KitWithTriggers(temp);
        var marked = TinyModels.Write(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10), temp.File("marked.onnx"));

        var result = Detect(marked, kit, key, "--all-triggers");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual(100, doc.RootElement.GetProperty("queriesSpent").GetInt32());
        Assert.AreEqual("no", doc.RootElement.GetProperty("tests")[0].GetProperty("stopped").GetString());
    }

    [TestMethod]
    public async Task Detect_EndpointWithTokenAndBudget_DetectedWithinBudget()
    {
        using var temp = new TempFolder();
        var (kit, key, triggers) = KitWithTriggers(temp);
        var model = TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10).ToByteArray();
        await using var server = await OipTestServer.StartAsync(model, new OipTestServerOptions { LabelsOnly = true, RequiredHeaderValue = "Bearer s3cret" });
        var env = new Dictionary<string, string> { ["SUSPECT_TOKEN"] = "Bearer s3cret" };

        var result = CliRunner.Run(null, env, "watermark", "detect", "--endpoint", server.ModelUrl.ToString(), "--scheme", "triggers", "--kit", kit, "--kit-key-file", key,
            "--header", "Authorization=SUSPECT_TOKEN", "--max-queries", "20", "--timeout", "10", "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var test = doc.RootElement.GetProperty("tests")[0];
        Assert.AreEqual(20, doc.RootElement.GetProperty("queriesSpent").GetInt32());
        Assert.AreEqual("budget", test.GetProperty("stopped").GetString());
        Assert.AreEqual(20, test.GetProperty("matched").GetInt32());
        Assert.IsTrue(test.GetProperty("labelsOnly").GetBoolean());
        Assert.AreEqual(server.ModelUrl.ToString(), doc.RootElement.GetProperty("suspect").GetString());
        Assert.AreEqual(2, server.InferRequests);
        Assert.DoesNotContain("s3cret", result.Stdout + result.Stderr);
    }

    [TestMethod]
    public async Task Detect_EndpointWithoutToken_Exit2()
    {
        using var temp = new TempFolder();
        var (kit, key, triggers) = KitWithTriggers(temp);
        await using var server = await OipTestServer.StartAsync(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10).ToByteArray(), new OipTestServerOptions { RequiredHeaderValue = "Bearer s3cret" });

        var result = CliRunner.Run("watermark", "detect", "--endpoint", server.ModelUrl.ToString(), "--scheme", "triggers", "--kit", kit, "--kit-key-file", key);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS8005");
    }

    [TestMethod]
    public void Detect_NullModels_MeasuredChanceRateAndFalsePositiveCount()
    {
        using var temp = new TempFolder();
        var (kit, key, triggers) = KitWithTriggers(temp);
        var marked = TinyModels.Write(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10), temp.File("marked.onnx"));
        Directory.CreateDirectory(temp.File("nulls"));
        for (var seed = 1; seed <= 4; seed++)
        {
            TinyModels.Write(TinyModels.Mlp(784, 32, 10, seed), temp.File($"nulls/null-{seed}.onnx"));
        }

        var result = Detect(marked, kit, key, "--null-models", temp.File("nulls"));

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var test = doc.RootElement.GetProperty("tests")[0];
        StringAssert.Contains(test.GetProperty("chanceRateSource").GetString(), "measured");
        Assert.AreEqual(4, test.GetProperty("nullModels").GetInt32());
        Assert.AreEqual(0, test.GetProperty("nullModelsDetected").GetInt32());
        Assert.IsGreaterThanOrEqualTo(0.1, test.GetProperty("chanceRate").GetDouble());
        var correlation = test.GetProperty("intraClassCorrelation").GetDouble();
        Assert.AreEqual(correlation > 0, test.GetProperty("test").GetString()!.StartsWith("beta-binomial", StringComparison.Ordinal), "the test named is the one the correlation implies");
    }

    [TestMethod]
    public void Detect_BadCombinations_Exit2()
    {
        using var temp = new TempFolder();
        var (kit, key, triggers) = KitWithTriggers(temp);
        var marked = TinyModels.Write(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10), temp.File("marked.onnx"));
        var image = TinyModels.Write(TinyModels.Mlp(8, 8, 10), temp.File("other-shape.onnx"));

        var both = CliRunner.Run("watermark", "detect", marked, "--endpoint", "http://127.0.0.1:9/v2/models/m", "--scheme", "triggers", "--kit", kit, "--kit-key-file", key);
        var neither = CliRunner.Run("watermark", "detect", "--scheme", "triggers", "--kit", kit, "--kit-key-file", key);
        var weightsRemote = CliRunner.Run("watermark", "detect", "--endpoint", "http://127.0.0.1:9/v2/models/m", "--kit", kit, "--kit-key-file", key);
        var shape = CliRunner.Run("watermark", "detect", image, "--scheme", "triggers", "--kit", kit, "--kit-key-file", key);

        Assert.AreEqual(2, both.ExitCode, both.ToString());
        Assert.AreEqual(2, neither.ExitCode, neither.ToString());
        Assert.AreEqual(2, weightsRemote.ExitCode, weightsRemote.ToString());
        StringAssert.Contains(weightsRemote.Stderr, "--endpoint");
        Assert.AreEqual(2, shape.ExitCode, shape.ToString());
        StringAssert.Contains(shape.Stderr, "MS8009");
    }

    [TestMethod]
    public void Embed_TriggersWithPayload_Exit2AndKitUnchanged()
    {
        using var temp = new TempFolder();
        var (kit, key, _) = KitWithTriggers(temp);
        var before = File.ReadAllBytes(kit);

        var result = CliRunner.Run("watermark", "embed", Path.Combine(RepositoryFiles.Root, "models", "mlp", "model.onnx"), "--scheme", "triggers", "--payload", "x",
            "--kit", kit, "--kit-key-file", key, "--data", RepositoryFiles.SampleData, "-o", temp.File("out.onnx"));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "--payload");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(kit));
        Assert.IsFalse(File.Exists(temp.File("out.onnx")));
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void EmbedThenDetect_SampleMlp_AllTriggersLearnedAndDetected()
    {
        using var temp = new TempFolder();
        var (kit, key, _) = KitWithTriggers(temp);
        var original = Path.Combine(RepositoryFiles.Root, "models", "mlp", "model.onnx");

        var embed = CliRunner.Run("watermark", "embed", original, "--scheme", "triggers", "--kit", kit, "--kit-key-file", key,
            "--data", RepositoryFiles.SampleData, "-o", temp.File("marked.onnx"), "--json");

        Assert.AreEqual(0, embed.ExitCode, embed.ToString());
        using var doc = JsonDocument.Parse(embed.Stdout);
        var training = doc.RootElement.GetProperty("training");
        Assert.AreEqual(1.0, training.GetProperty("triggerAccuracy").GetDouble(), embed.Stdout);

        // See TriggerEmbeddingTests: the 0.5-point target holds on the full test split; the sample's is 2,000 images.
        Assert.IsGreaterThanOrEqualTo(-0.01, training.GetProperty("testAccuracyAfter").GetDouble() - training.GetProperty("testAccuracyBefore").GetDouble(), embed.Stdout);
        var sha = doc.RootElement.GetProperty("outputSha256").GetString();
        Assert.AreEqual(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(temp.File("marked.onnx")))));

        // The kit now holds two trigger sets: detection tries both (Bonferroni) and finds the embedded one.
        var entryId = doc.RootElement.GetProperty("entryId").GetString()!;
        var hit = Detect(temp.File("marked.onnx"), kit, key, "--entry", entryId);
        var miss = Detect(original, kit, key, "--entry", entryId);
        var both = Detect(temp.File("marked.onnx"), kit, key);
        Assert.AreEqual(0, hit.ExitCode, hit.ToString());
        Assert.AreEqual(1, miss.ExitCode, miss.ToString());
        Assert.AreEqual(0, both.ExitCode, both.ToString());
        using var bothDoc = JsonDocument.Parse(both.Stdout);
        Assert.AreEqual(2, bothDoc.RootElement.GetProperty("watermarksTried").GetInt32());
    }

    private static CliResult Detect(string model, string kit, string key, params string[] extra) =>
        CliRunner.Run(["watermark", "detect", model, "--scheme", "triggers", "--kit", kit, "--kit-key-file", key, "--json", .. extra]);

    /// <summary>A kit (through the CLI) holding one trigger set for flat 784-value inputs, added through the library.</summary>
    private static (string Kit, string Key, TriggerSet Triggers) KitWithTriggers(TempFolder temp)
    {
        var (kit, key) = TestKits.New(temp);
        var secret = KitSecret.Resolve(null, key);
        var entry = TriggerWatermark.NewEntry("noise", 100, [784], 10);
        KitFile.Update(kit, secret, k => k.Add(entry));
        return (kit, key, TriggerWatermark.Regenerate(KitFile.Read(kit, secret), entry));
    }
}
