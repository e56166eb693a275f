using System.Text.Json;
using ModelShield.Testing.Cli;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Cli.Tests.Commands;

/// <summary><c>modelshield lab train|attack|predict|zoo</c>, end to end on the shipped Fashion-MNIST sample.</summary>
[TestClass]
public sealed class LabCommandTests
{
    [TestMethod]
    public void Train_Mlp_WritesModelAndReportsAccuracyAsJson()
    {
        using var temp = new TempFolder();
        var output = temp.File("mlp.onnx");

        var result = CliRunner.Run("lab", "train", "--arch", "mlp", "--data", RepositoryFiles.SampleData, "--epochs", "1", "--seed", "3", "-o", output, "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.AreEqual("mlp", root.GetProperty("architecture").GetString());
        Assert.AreEqual(2666, root.GetProperty("trainImages").GetInt32());
        Assert.AreEqual(235_146, root.GetProperty("parameters").GetInt64());
        Assert.IsGreaterThan(0.5, root.GetProperty("testAccuracy").GetDouble());
        Assert.IsTrue(File.Exists(output));
        StringAssert.Contains(result.Stderr, "epoch 1/1");
    }

    [TestMethod]
    public void Train_ExistingOutputWithoutForce_Exit2()
    {
        using var temp = new TempFolder();
        var output = temp.File("exists.onnx");
        File.WriteAllText(output, "x");

        var result = CliRunner.Run("lab", "train", "--arch", "mlp", "--data", RepositoryFiles.SampleData, "--epochs", "1", "-o", output);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS1002");
        Assert.AreEqual("x", File.ReadAllText(output));
    }

    [TestMethod]
    public void Train_UnknownArchitecture_Exit2ListingKnown()
    {
        using var temp = new TempFolder();

        var result = CliRunner.Run("lab", "train", "--arch", "resnet", "--data", RepositoryFiles.SampleData, "-o", temp.File("m.onnx"));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS6005");
        StringAssert.Contains(result.Stderr, "mlp, cnn, cnn-bn");
    }

    [TestMethod]
    public void Attack_PruneChain_WritesCopyAndReportsSteps()
    {
        using var temp = new TempFolder();
        var owner = temp.File("owner.onnx");
        var train = CliRunner.Run("lab", "train", "--arch", "mlp", "--data", RepositoryFiles.SampleData, "--epochs", "1", "-o", owner);
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        var copy = temp.File("copy.onnx");

        var result = CliRunner.Run("lab", "attack", owner, "--attack", "prune:0.3+permute", "--data", RepositoryFiles.SampleData, "-o", copy, "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.AreEqual("prune:fraction=0.3+permute", root.GetProperty("chain").GetString());
        Assert.AreEqual(2, root.GetProperty("steps").GetArrayLength());
        Assert.AreEqual("0.3000", root.GetProperty("steps")[0].GetProperty("facts").GetProperty("zeroFraction").GetString());
        var pruned = root.GetProperty("steps")[0].GetProperty("testAccuracy").GetDouble();
        Assert.AreEqual(pruned, root.GetProperty("testAccuracy").GetDouble(), 1e-9, "Permutation keeps the function, so the accuracy too.");
        Assert.IsTrue(File.Exists(copy));
    }

    [TestMethod]
    public void Attack_UnknownAttack_Exit2ListingKnown()
    {
        using var temp = new TempFolder();
        var owner = TrainTiny(temp);

        var result = CliRunner.Run("lab", "attack", owner, "--attack", "melt", "--data", RepositoryFiles.SampleData, "-o", temp.File("x.onnx"), "--json");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.AreEqual("MS6006", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        StringAssert.Contains(result.Stderr, "dummy-neurons");
    }

    [TestMethod]
    public void Attack_ModelTakingOtherInputShape_Exit2NotAProcessAbort()
    {
        using var temp = new TempFolder();
        var flat = TinyModels.Write(TinyModels.Mlp(784, 32, 10), temp.File("flat.onnx"));

        var result = CliRunner.Run("lab", "attack", flat, "--attack", "fp16", "--data", RepositoryFiles.SampleData, "-o", temp.File("out.onnx"));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS4002");
        StringAssert.Contains(result.Stderr, "[?, 784]");
    }

    [TestMethod]
    public void Attack_OutputIsInput_Exit2AndInputUnchanged()
    {
        using var temp = new TempFolder();
        var owner = TrainTiny(temp);
        var before = File.ReadAllBytes(owner);

        var result = CliRunner.Run("lab", "attack", owner, "--attack", "noise:0.1", "--data", RepositoryFiles.SampleData, "-o", owner, "--force");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "MS1003");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(owner));
    }

    [TestMethod]
    public void Predict_SampleModel_WritesProbabilityRowsAndTheExecutorsAccuracy()
    {
        using var temp = new TempFolder();
        var output = temp.File("cnn-test.npy");
        var model = RepositoryFiles.Model("cnn");
        var attack = CliRunner.Run("lab", "attack", model, "--attack", "permute", "--data", RepositoryFiles.SampleData, "-o", temp.File("same.onnx"), "--json");
        Assert.AreEqual(0, attack.ExitCode, attack.ToString());

        var result = CliRunner.Run("lab", "predict", model, "--split", "test", "--data", RepositoryFiles.SampleData, "-o", output, "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        var images = root.GetProperty("images").GetInt32();
        Assert.AreEqual(10, root.GetProperty("classes").GetInt32());
        Assert.IsTrue(root.GetProperty("softmaxApplied").GetBoolean(), "The lab's models answer logits.");
        // ONNX Runtime here, the lab's TorchSharp executor in attack: the same model must score the same on the same images.
        using var attackDoc = JsonDocument.Parse(attack.Stdout);
        Assert.AreEqual(attackDoc.RootElement.GetProperty("originalAccuracy").GetDouble(), root.GetProperty("accuracy").GetDouble(), 1.5 / images);
        var rows = ReadFloat32Npy(output, out var shape);
        Assert.AreEqual($"({images}, 10)", shape);
        for (var i = 0; i < images; i++)
        {
            Assert.AreEqual(1.0, rows.Skip(i * 10).Take(10).Sum(v => (double)v), 1e-4, $"row {i}");
        }
    }

    [TestMethod]
    public void Predict_CountFromOwnerSplit_WritesThatManyRows()
    {
        using var temp = new TempFolder();
        var output = temp.File("p.npy");

        var result = CliRunner.Run("lab", "predict", RepositoryFiles.Model("mlp"), "--split", "owner", "--count", "37", "--data", RepositoryFiles.SampleData, "-o", output, "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        ReadFloat32Npy(output, out var shape);
        Assert.AreEqual("(37, 10)", shape);
        StringAssert.Contains(result.Stdout, "\"split\": \"owner\"");
    }

    [TestMethod]
    public void Predict_UnknownSplit_Exit2ListingKnown()
    {
        using var temp = new TempFolder();

        var result = CliRunner.Run("lab", "predict", RepositoryFiles.Model("mlp"), "--split", "validation", "--data", RepositoryFiles.SampleData, "-o", temp.File("p.npy"));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Stderr, "owner, attacker, test");
    }

    [TestMethod]
    public void Predict_ExistingOutputOrMalformedModel_Exit2AndNothingOverwritten()
    {
        using var temp = new TempFolder();
        var output = temp.File("exists.npy");
        File.WriteAllText(output, "keep");
        var garbage = temp.File("garbage.onnx");
        File.WriteAllBytes(garbage, [0x08, 0xFF, 0xFF, 0x12, 0x99]);

        var exists = CliRunner.Run("lab", "predict", RepositoryFiles.Model("mlp"), "--data", RepositoryFiles.SampleData, "-o", output);
        var malformed = CliRunner.Run("lab", "predict", garbage, "--data", RepositoryFiles.SampleData, "-o", temp.File("new.npy"));

        Assert.AreEqual(2, exists.ExitCode, exists.ToString());
        Assert.AreEqual("keep", File.ReadAllText(output));
        Assert.AreEqual(2, malformed.ExitCode, malformed.ToString());
        Assert.IsFalse(File.Exists(temp.File("new.npy")));
    }

    [TestMethod]
    public void Zoo_QuickProfile_BuildsManifestThenResumesFromCache()
    {
        using var temp = new TempFolder();
        var folder = temp.File("zoo");

        var result = CliRunner.Run("lab", "zoo", "-o", folder, "--profile", "quick", "--data", RepositoryFiles.SampleData, "--json");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using (var doc = JsonDocument.Parse(result.Stdout))
        {
            var root = doc.RootElement;
            Assert.AreEqual(1, root.GetProperty("owners").GetInt32());
            Assert.IsGreaterThanOrEqualTo(30, root.GetProperty("negatives").GetInt32());
            Assert.AreEqual(19, root.GetProperty("positives").GetInt32());
        }

        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json"))))
        {
            var models = manifest.RootElement.GetProperty("models").EnumerateArray().ToList();
            Assert.IsTrue(models.All(m => m.GetProperty("testAccuracy").GetDouble() > 0.3));
            Assert.IsTrue(models.Any(m => m.GetProperty("lineage").GetString() == "finetune:batch=64,epochs=1,layers=all,lr=0.0001+prune:fraction=0.5"));
            Assert.IsTrue(models.All(m => File.Exists(Path.Combine(folder, m.GetProperty("path").GetString()!))));
        }

        var again = CliRunner.Run("lab", "zoo", "-o", folder, "--profile", "quick", "--data", RepositoryFiles.SampleData, "--json");

        Assert.AreEqual(0, again.ExitCode, again.ToString());
        using var second = JsonDocument.Parse(again.Stdout);
        Assert.AreEqual(0, second.RootElement.GetProperty("built").GetInt32());
        Assert.AreEqual(50, second.RootElement.GetProperty("reused").GetInt32());
    }

    private static string TrainTiny(TempFolder temp)
    {
        var owner = temp.File("owner.onnx");
        var train = CliRunner.Run("lab", "train", "--arch", "mlp", "--data", RepositoryFiles.SampleData, "--epochs", "0", "-o", owner);
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        return owner;
    }

    // A float32 .npy reader for the test's own check, independent of the code under test.
    private static float[] ReadFloat32Npy(string path, out string shape)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = BitConverter.ToUInt16(bytes, 8);
        var header = System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength);
        StringAssert.Contains(header, "'descr': '<f4'");
        shape = System.Text.RegularExpressions.Regex.Match(header, @"'shape': (\([^)]*\))").Groups[1].Value;
        var values = new float[(bytes.Length - 10 - headerLength) / 4];
        Buffer.BlockCopy(bytes, 10 + headerLength, values, 0, values.Length * 4);
        return values;
    }
}
