using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using ModelShield.Cli.Commands;
using ModelShield.Fingerprinting;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Onnx.Schema;
using ModelShield.Protection.Fingerprints;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;
using ModelShield.Testing.Oip;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Cli.Tests.Commands;

/// <summary><c>fingerprint record|compare</c>, run end to end on the sample data.</summary>
[TestClass]
public sealed class FingerprintCommandsTests
{
    private const int Classes = 10;

    // Recording chooses queries with surrogates and references trained on the sample (tens of seconds on a busy
    // machine), so the comparison tests share one recorded kit; comparing never changes a kit. Owner and null models
    // are trained ones: untrained random networks differ so much from one another that the beta-binomial rightly
    // gives even a close copy little power against them.
    private static TempFolder? _shared;
    private static (string Kit, string Key, string Owner, CliResult Record) _recorded;

    [ClassInitialize]
    public static void RecordOnce(TestContext context)
    {
        _ = context;
        _shared = new TempFolder();
        var (kit, key, owner) = Record(_shared, out var record);
        _recorded = (kit, key, owner, record);
    }

    [ClassCleanup]
    public static void DeleteRecording() => _shared?.Dispose();

    [TestMethod]
    public async Task RecordThenCompare_CopyExit0_IndependentGetsTheLibrarysVerdict()
    {
        using var temp = new TempFolder();
        var (kit, key, owner, record) = _recorded;

        using (var doc = JsonDocument.Parse(record.Stdout))
        {
            var root = doc.RootElement;
            Assert.AreEqual(100, root.GetProperty("queries").GetInt32());
            Assert.AreEqual(100, root.GetProperty("kinds").EnumerateObject().Sum(k => k.Value.GetInt32()));
            Assert.AreEqual(30, root.GetProperty("kinds").GetProperty("natural").GetInt32(), "30 % of the queries are random owner samples");
            Assert.AreEqual(35, root.GetProperty("kinds").GetProperty("boundary").GetInt32(), "boundary points are the largest share");
            Assert.AreEqual("given", root.GetProperty("nullOrigin").GetString());
            Assert.AreEqual(5, root.GetProperty("nullModels").GetArrayLength());
            CollectionAssert.AreEqual(
                new[] { "label-agreement", "label-agreement/misclassified", "label-agreement/mix", "label-agreement/boundary", "output-distance", "output-distance/tail" },
                root.GetProperty("comparators").EnumerateArray().Select(c => c.GetProperty("comparator").GetString()).ToArray());
            Assert.AreEqual(0, root.GetProperty("comparators")[0].GetProperty("nullFalsePositives").GetInt32());
            foreach (var c in root.GetProperty("comparators").EnumerateArray())
            {
                Assert.IsGreaterThanOrEqualTo(c.GetProperty("designEffect").GetDouble(), c.GetProperty("designEffectBound").GetDouble(), "the test allows for more spread than the null models showed");
            }

            Assert.IsTrue(root.GetProperty("perfectCopyDetectable").GetBoolean(), record.Stdout);
            Assert.IsTrue(root.GetProperty("perfectCopyDetectableLabelsOnly").GetBoolean(), "the labels-only comparison below needs it: " + record.Stdout);
        }

        var copy = TinyModels.Write(NoisyCopy(ModelProto.Parser.ParseFrom(File.ReadAllBytes(owner)), 0.05), temp.File("copy.onnx"));
        var independent = TrainedMlp(temp, 300);
        var clone = CliRunner.Run("fingerprint", "compare", copy, "--kit", kit, "--kit-key-file", key, "--json");
        var other = CliRunner.Run("fingerprint", "compare", independent, "--kit", kit, "--kit-key-file", key, "--json");
        var text = CliRunner.Run("fingerprint", "compare", owner, "--kit", kit, "--kit-key-file", key);

        Assert.AreEqual(0, clone.ExitCode, clone.ToString());
        using var cloned = JsonDocument.Parse(clone.Stdout);
        Assert.AreEqual("clone", cloned.RootElement.GetProperty("verdict").GetString());
        Assert.AreEqual(100, cloned.RootElement.GetProperty("queriesSpent").GetInt32());
        var labels = cloned.RootElement.GetProperty("comparators")[0];
        Assert.AreEqual("label-agreement", labels.GetProperty("comparator").GetString());
        StringAssert.Contains(labels.GetProperty("test").GetString(), "binomial, one-sided");
        StringAssert.Contains(labels.GetProperty("chanceRateSource").GetString(), "5 null models");
        // The copy keeps nearly every label. Whether the pooled label test alone reaches alpha depends on the chance rate
        // this record drew (10^-5.3 in one CI run), so the verdict above is the contract, and the p-value is compared below.
        Assert.IsGreaterThanOrEqualTo(0.9 * labels.GetProperty("trials").GetInt32(), (double)labels.GetProperty("successes").GetInt32(), clone.Stdout);

        // Record draws fresh queries, so an independent model's verdict is a random event of small but nonzero
        // probability; the CLI must give the library's verdict on the same kit, not a constant. That independent models
        // are told apart is tested on fixed queries in FingerprintComparisonTests and measured in the benchmark.
        var expected = await LibraryComparison(independent, kit, key);
        Assert.AreEqual(expected.IsClone ? 0 : 1, other.ExitCode, other.ToString());
        using var independentDoc = JsonDocument.Parse(other.Stdout);
        Assert.AreEqual(expected.Verdict, independentDoc.RootElement.GetProperty("verdict").GetString());
        Assert.IsLessThan(
            independentDoc.RootElement.GetProperty("comparators")[0].GetProperty("log10CorrectedPValue").GetDouble() - 2,
            labels.GetProperty("log10CorrectedPValue").GetDouble(),
            "the copy's label agreement must be far less likely by chance than the independent model's");
        CollectionAssert.AreEqual(
            expected.Comparators.Select(c => c.Test!.Successes).ToArray(),
            independentDoc.RootElement.GetProperty("comparators").EnumerateArray().Select(c => c.GetProperty("successes").GetInt32()).ToArray());
        Assert.AreEqual(0, text.ExitCode, text.ToString());
        StringAssert.Contains(text.Stdout, "Verdict      clone");
        StringAssert.Contains(text.Stdout, "null FP");
    }

    [TestMethod]
    [DataRow(true, true, false)]
    [DataRow(true, false, true)]
    [DataRow(false, false, true)]
    public void RenderRecord_ExactCopyUndetectable_Warns(bool detectable, bool detectableLabelsOnly, bool warns)
    {
        var result = new FingerprintRecordResult("fp-1", "/m.onnx", new string('0', 64), 100, new Dictionary<string, int> { ["mix"] = 100 }, "given", ["a", "b", "c"], null, 1e-6, [], detectable, detectableLabelsOnly);
        using var text = new StringWriter();

        FingerprintCommands.RenderRecord(text, result, "owner.mskit");

        Assert.AreEqual(warns, text.ToString().Contains("Warning", StringComparison.Ordinal), text.ToString());
        Assert.AreEqual(warns && detectable, text.ToString().Contains("answering labels only", StringComparison.Ordinal), text.ToString());
    }

    [TestMethod]
    public async Task Compare_LabelsOnlyEndpoint_LabelComparatorOnlyAndSaysSo()
    {
        var (kit, key, owner, _) = _recorded;
        await using var server = await OipTestServer.StartAsync(NoisyCopy(ModelProto.Parser.ParseFrom(File.ReadAllBytes(owner)), 0.05).ToByteArray(), new OipTestServerOptions { LabelsOnly = true, RequiredHeaderValue = "Bearer t0ken" });

        var result = CliRunner.Run(null, new Dictionary<string, string> { ["SUSPECT_TOKEN"] = "Bearer t0ken" }, "fingerprint", "compare", "--endpoint", server.ModelUrl.ToString(), "--header", "Authorization=SUSPECT_TOKEN", "--kit", kit, "--kit-key-file", key, "--timeout", "20", "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.IsTrue(root.GetProperty("labelsOnly").GetBoolean());
        Assert.AreEqual(4, root.GetProperty("comparatorsRun").GetInt32());
        StringAssert.Contains(root.GetProperty("comparators")[4].GetProperty("notRunReason").GetString(), "labels only");
        StringAssert.Contains(root.GetProperty("notes")[0].GetString(), "label agreement alone");
        Assert.DoesNotContain("t0ken", result.Stdout + result.Stderr);
    }

    [TestMethod]
    public void Compare_MaxQueries_SpendsNoMore()
    {
        var (kit, key, owner, _) = _recorded;

        var result = CliRunner.Run("fingerprint", "compare", owner, "--kit", kit, "--kit-key-file", key, "--max-queries", "40", "--json");

        // Forty queries need not reach alpha even for the owner when the null models' agreement spreads (the
        // beta-binomial allows for that spread); the exit code must still be the verdict, and the owner agrees with
        // itself on every query it was sent.
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual(doc.RootElement.GetProperty("verdict").GetString() == "clone" ? 0 : 1, result.ExitCode, result.ToString());
        Assert.IsTrue(doc.RootElement.GetProperty("comparators").EnumerateArray().All(c => c.GetProperty("successes").GetInt32() == c.GetProperty("trials").GetInt32()), result.ToString());
        Assert.AreEqual(40, doc.RootElement.GetProperty("queriesSpent").GetInt32());
        var natural = doc.RootElement.GetProperty("agreementByKind").GetProperty("natural").GetProperty("queries").GetInt32();
        Assert.AreEqual(40 - natural, doc.RootElement.GetProperty("comparators")[0].GetProperty("trials").GetInt32(), "every answered query but the natural ones");
    }

    [TestMethod]
    public void Compare_FileAndEndpointBoth_Exit2()
    {
        using var temp = new TempFolder();
        var owner = TinyModels.Write(TinyModels.Mlp(784, 64, Classes), temp.File("m.onnx"));

        var result = CliRunner.Run("fingerprint", "compare", owner, "--endpoint", "http://127.0.0.1:1/v2/models/m", "--kit", temp.File("none.mskit"), "--json");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "exactly one suspect");
    }

    [TestMethod]
    public void Compare_KitWithoutFingerprint_Exit2MS7005()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var owner = TinyModels.Write(TinyModels.Mlp(784, 64, Classes), temp.File("m.onnx"));

        var result = CliRunner.Run("fingerprint", "compare", owner, "--kit", kit, "--kit-key-file", key);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS7005");
        StringAssert.Contains(result.Stderr, "fingerprint record");
    }

    [TestMethod]
    public void Record_TooFewNullModels_Exit2MS7103()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var owner = TinyModels.Write(TinyModels.Mlp(784, 64, Classes), temp.File("m.onnx"));
        Directory.CreateDirectory(temp.File("nulls"));
        TinyModels.Write(TinyModels.Mlp(784, 64, Classes, seed: 2), temp.File("nulls/a.onnx"));

        var result = CliRunner.Run("fingerprint", "record", owner, "--kit", kit, "--kit-key-file", key, "--data", RepositoryFiles.SampleData, "--null-models", temp.File("nulls"));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS7103");
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void LabOwner_AttackedCopiesClone_IndependentlyTrainedNot_CalibratedOnReferencesTrainedByRecord()
    {
        using var temp = new TempFolder();
        var (kit, key) = TestKits.New(temp);
        var data = RepositoryFiles.SampleData;
        var owner = temp.File("owner.onnx");
        var independent = temp.File("independent.onnx");
        Assert.AreEqual(0, CliRunner.Run("lab", "train", "--arch", "mlp", "--epochs", "3", "--seed", "1", "--data", data, "-o", owner).ExitCode);
        Assert.AreEqual(0, CliRunner.Run("lab", "train", "--arch", "mlp", "--epochs", "3", "--seed", "77", "--data", data, "-o", independent).ExitCode);

        // Record before any copy exists: the calibration cannot have seen the positives. Twelve reference models: with
        // three, the upper bound of their spread is so wide (about 9.5 times the estimate) that most records cannot
        // convict even an exact copy, and record says so; with eight, about one record in ten could not convict the
        // 30 %-pruned copy (66 of 70 label agreements needing 71).
        var record = CliRunner.Run("fingerprint", "record", owner, "--kit", kit, "--kit-key-file", key, "--data", data, "--reference-models", "12", "--json");
        Assert.AreEqual(0, record.ExitCode, record.ToString());
        using (var doc = JsonDocument.Parse(record.Stdout))
        {
            Assert.AreEqual("trained", doc.RootElement.GetProperty("nullOrigin").GetString());
            Assert.AreEqual(12, doc.RootElement.GetProperty("nullModels").GetArrayLength());
            Assert.IsGreaterThan(0, doc.RootElement.GetProperty("trainingSeconds").GetDouble());
        }

        StringAssert.Contains(record.Stderr, "Trained 12 reference models in");

        // Copies that keep nearly every answer: 30 % of the weights pruned, an int8 round trip, noise on every weight.
        // Fine-tuned copies are left to the benchmark, which measures their detection as a rate over many records
        // (docs/results/fingerprint-quick.md: some fine-tunings 0 of 3): one record cannot assert it without flaking.
        foreach (var attack in new[] { "prune:0.3", "int8", "noise:sigma=0.05" })
        {
            var copy = temp.File($"copy-{attack.Replace(':', '-')}.onnx");
            Assert.AreEqual(0, CliRunner.Run("lab", "attack", owner, "--attack", attack, "--data", data, "-o", copy).ExitCode, attack);

            var compare = CliRunner.Run("fingerprint", "compare", copy, "--kit", kit, "--kit-key-file", key, "--json");

            Assert.AreEqual(0, compare.ExitCode, $"{attack}: {compare}");
        }

        var negative = CliRunner.Run("fingerprint", "compare", independent, "--kit", kit, "--kit-key-file", key, "--json");
        Assert.AreEqual(1, negative.ExitCode, negative.ToString());
    }

    /// <summary>
    /// A kit with a fingerprint of the shipped MLP, calibrated on five models trained apart from it: the shipped CNNs
    /// and three MLPs trained here on the sample with other seeds.
    /// </summary>
    private static (string Kit, string Key, string Owner) Record(TempFolder temp, out CliResult record)
    {
        var (kit, key) = TestKits.New(temp);
        var owner = temp.File("owner.onnx");
        File.Copy(RepositoryFiles.Model("mlp"), owner);
        Directory.CreateDirectory(temp.File("nulls"));
        File.Copy(RepositoryFiles.Model("cnn"), temp.File("nulls/cnn.onnx"));
        File.Copy(RepositoryFiles.Model("cnn-bn"), temp.File("nulls/cnn-bn.onnx"));
        foreach (var seed in new[] { 101, 102, 103 })
        {
            File.Move(TrainedMlp(temp, seed), temp.File($"nulls/mlp-{seed}.onnx"));
        }

        record = CliRunner.Run("fingerprint", "record", owner, "--kit", kit, "--kit-key-file", key, "--data", RepositoryFiles.SampleData, "--null-models", temp.File("nulls"), "--json");
        Assert.AreEqual(0, record.ExitCode, record.ToString());
        return (kit, key, owner);
    }

    /// <summary>An MLP trained 2 epochs on the sample with the seed (about a second).</summary>
    private static string TrainedMlp(TempFolder temp, int seed)
    {
        var path = temp.File($"mlp-s{seed}.onnx");
        var train = CliRunner.Run("lab", "train", "--arch", "mlp", "--epochs", "2", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", RepositoryFiles.SampleData, "-o", path);
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        return path;
    }

    /// <summary>The kit's fingerprint compared with the model through the library, as the CLI should report it.</summary>
    private static async Task<FingerprintComparison> LibraryComparison(string model, string kit, string key)
    {
        var entry = KitFile.Read(kit, KitSecret.Resolve(null, key)).Entries.Last(e => e.Scheme == Fingerprint.SchemeId);
        await using var suspect = LocalPredictor.Open(model);
        return await FingerprintComparison.CompareAsync(suspect, Fingerprint.FromKitEntry(entry));
    }

    /// <summary>The model with Gaussian noise of <paramref name="relative"/> times each weight tensor's RMS added.</summary>
    private static ModelProto NoisyCopy(ModelProto model, double relative)
    {
        var random = new Random(5);
        foreach (var tensor in model.Graph.Initializer)
        {
            var values = MemoryMarshal.Cast<byte, float>(tensor.RawData.ToByteArray()).ToArray();
            var rms = Math.Sqrt(values.Average(v => (double)v * v));
            for (var i = 0; i < values.Length; i++)
            {
                values[i] += (float)(relative * rms * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            }

            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        }

        return model;
    }
}
