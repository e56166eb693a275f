using ModelShield.Errors;

namespace ModelShield.Training.Tests;

/// <summary>The public entry points refuse an unusable output before any work (training takes minutes).</summary>
[TestClass]
public sealed class LabApiTests
{
    [TestMethod]
    public void Train_ExistingOutput_FailsBeforeReadingData()
    {
        var output = Path.Combine(LabTestData.NewTempFolder(), "exists.onnx");
        File.WriteAllText(output, "keep");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => LabTraining.Train(new LabTrainRequest { Architecture = "mlp", Output = output, DataFolder = "/nonexistent/data" }));
        Assert.AreEqual(ErrorCodes.OutputExists, ex.Code);
        Assert.AreEqual("keep", File.ReadAllText(output));
    }

    [TestMethod]
    public void Attack_OutputIsInput_FailsBeforeReadingData()
    {
        var model = Path.Combine(LabTestData.NewTempFolder(), "m.onnx");
        File.WriteAllText(model, "not read");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => LabAttacks.Run(new LabAttackRequest { Model = model, Attack = "prune:0.5", Output = model, Overwrite = true, DataFolder = "/nonexistent/data" }));
        Assert.AreEqual(ErrorCodes.OutputIsInput, ex.Code);
    }

    [TestMethod]
    public void Train_ZeroEpochs_WritesTheInitialModelWithProvenance()
    {
        var output = Path.Combine(LabTestData.NewTempFolder(), "m.onnx");
        var result = LabTraining.Train(new LabTrainRequest { Architecture = "cnn-bn", Output = output, DataFolder = LabTestData.SampleFolder, Epochs = 0, Seed = 9 });
        Assert.AreEqual(421_834, result.Parameters);
        Assert.IsEmpty(result.EpochSeconds);
        var model = ModelShield.Onnx.Files.OnnxModel.Load(output);
        var metadata = model.Proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.AreEqual("cnn-bn", metadata["modelshield.lab.architecture"]);
        Assert.AreEqual("9", metadata["modelshield.lab.seed"]);
        Assert.AreEqual(result.TestAccuracy.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture), metadata["modelshield.lab.test_accuracy"]);
    }
}
