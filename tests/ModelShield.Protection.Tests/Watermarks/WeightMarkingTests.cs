using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Protection.Watermarks;
using ModelShield.Testing.Files;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Protection.Tests.Watermarks;

[TestClass]
public sealed class WeightMarkingTests
{
    [TestMethod]
    public void Embed_RepairEpochs_KeepsEveryBitAtTheMarginAndDetects()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);

        var result = WeightMarking.Embed(new WeightMarkRequest
        {
            ModelPath = RepositoryFiles.Model("mlp"),
            Kit = kit,
            OutputPath = temp.File("repaired.onnx"),
            PayloadText = "repair",
            DataFolder = RepositoryFiles.SampleData,
            RepairEpochs = 1,
        });
        var detection = WeightMarking.Detect(result.Output, kit);

        Assert.IsNotNull(result.Repair);
        var training = result.Repair.Training;
        Assert.AreEqual(256, result.Repair.AfterTraining.Bits);
        Assert.AreEqual(256 - result.Report.CappedBits, result.Repair.Before.AtMargin, "embedding leaves every bit it could push at the margin");
        Assert.AreEqual(256 - result.Repair.AfterTraining.AtMargin, result.Repair.BitsPushedBack, "every bit fine-tuning left below the margin is pushed back");
        var owner = kit.Read();
        Assert.AreEqual(new WeightMarkMargins(256, 256, 256), WeightWatermark.Margins(OnnxModel.Load(result.Output), owner, owner.Entries.Single()), "the written model has every bit at the margin");
        Assert.AreEqual(1, training.Epochs);
        Assert.IsNotNull(result.Fidelity);
        Assert.AreEqual(training.AccuracyAfter, result.Fidelity.AccuracyAfter, 0.01, "fidelity measures the repaired model, after the few bits pushed back");
        Assert.AreEqual(256, detection.Tests[0].Matched);
        Assert.AreEqual("detected", detection.Verdict);
    }

    [TestMethod]
    public void Embed_RepairWithoutData_ThrowsBadUsageAndWritesNothing()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => WeightMarking.Embed(new WeightMarkRequest
        {
            ModelPath = RepositoryFiles.Model("mlp"),
            Kit = kit,
            OutputPath = temp.File("out.onnx"),
            PayloadText = "repair",
            RepairEpochs = 1,
        }));

        Assert.AreEqual(ErrorCodes.BadUsage, ex.Code);
        Assert.IsFalse(File.Exists(temp.File("out.onnx")));
        Assert.IsEmpty(kit.Read().Entries);
    }
}
