using System.Globalization;
using System.Text.RegularExpressions;
using ModelShield.Onnx.Files;
using ModelShield.Training.Data;

namespace ModelShield.Training.Tests;

/// <summary>The sample models under models/ are what their cards say, on the full Fashion-MNIST test set.</summary>
[TestClass]
public sealed partial class SampleModelTests
{
    private static readonly Lazy<ImageSet> FullTest = new(() => FashionMnist.LoadPart(FashionMnist.DebianFolder, "t10k"));

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("cnn-bn")]
    public void Card_TestAccuracy_MatchesTheModelOnTheFullTestSet(string name)
    {
        var folder = Path.Combine(LabTestData.RepositoryRoot, "models", name);
        if (!File.Exists(Path.Combine(folder, "model.onnx")))
        {
            Assert.Inconclusive($"models/{name} has not been built (scripts/make-models).");
        }

        if (!Directory.Exists(FashionMnist.DebianFolder))
        {
            Assert.Inconclusive("dataset-fashion-mnist is not installed.");
        }

        var card = File.ReadAllText(Path.Combine(folder, "card.md"));
        var stated = double.Parse(AccuracyPattern().Match(card).Groups[1].Value, CultureInfo.InvariantCulture) / 100;
        var measured = LabAttacks.Accuracy(OnnxModel.Load(Path.Combine(folder, "model.onnx")), FullTest.Value);
        Assert.AreEqual(stated, measured, 0.00005, $"models/{name}/card.md states {stated:P2}; the model scores {measured:P2}.");
        if (name == "cnn")
        {
            Assert.IsGreaterThanOrEqualTo(0.90, measured, "The sample CNN must reach 90 % on Fashion-MNIST's test set.");
        }
    }

    [GeneratedRegex(@"test accuracy \| \*\*([0-9.]+) %\*\*")]
    private static partial Regex AccuracyPattern();
}
