using System.Security.Cryptography;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Inspection;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Inspection;

[TestClass]
public sealed class ModelInspectorTests
{
    /// <summary>
    /// Parameter counts of models exported by PyTorch, against counts computed independently with the ONNX
    /// project's Python package (scripts/reference-parameter-counts.py wrote the file).
    /// </summary>
    [TestMethod]
    public void Inspect_PytorchConvertedModels_ParameterCountsMatchIndependentReference()
    {
        OnnxTestData.RequireInstalled();
        var reference = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "TestData", "pytorch-converted-parameters.tsv"))
            .Skip(1)
            .Select(line => line.Split('\t'))
            .ToList();
        Assert.IsGreaterThanOrEqualTo(80, reference.Count);
        Assert.IsTrue(reference.Any(r => long.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture) > 0));

        foreach (var row in reference)
        {
            var inspection = ModelInspector.Inspect(OnnxModel.Load(Path.Combine(OnnxTestData.Case("pytorch-converted/" + row[0]), "model.onnx")));

            Assert.AreEqual(int.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture), inspection.InitializerCount, row[0]);
            Assert.AreEqual(long.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture), inspection.ParameterCount, row[0]);
        }
    }

    [TestMethod]
    public void Inspect_TinyMlp_ReportsSignatureStorageAndMetadata()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(inputs: 8, hidden: 16, classes: 4), temp.File("m.onnx"));

        var m = ModelInspector.Inspect(OnnxModel.Load(path));

        Assert.AreEqual((8 * 16) + 16 + (16 * 4) + 4, m.ParameterCount);
        Assert.AreEqual(4, m.InitializerCount);
        Assert.AreEqual("modelshield-tests", m.ProducerName);
        Assert.AreEqual(8, m.IrVersion);
        Assert.AreEqual(new OpsetInfo("ai.onnx", 13), m.Opsets.Single());
        Assert.AreEqual("tensor(float32)", m.Inputs.Single().Type);
        CollectionAssert.AreEqual(new[] { "batch", "8" }, m.Inputs.Single().Shape.ToArray());
        Assert.AreEqual(212L * 4, m.BytesByType["float32"]);
        Assert.AreEqual("fc1.weight", m.LargestTensors[0].Name);
        Assert.AreEqual("test", m.Metadata["purpose"]);
        Assert.AreEqual(2, m.OperatorCounts["MatMul"]);
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), m.Files.Single().Sha256);
    }

    [TestMethod]
    public void Inspect_ExternalData_HashesEveryFileAndMarksExternalTensors()
    {
        using var temp = new TempFolder();
        var path = TinyModels.WriteWithExternalData(temp.Path);

        var m = ModelInspector.Inspect(OnnxModel.Load(path));

        CollectionAssert.AreEqual(new[] { "model.onnx", "weights.bin" }, m.Files.Select(f => f.Path).ToArray());
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(temp.Path, "weights.bin")))), m.Files[1].Sha256);
        Assert.IsTrue(m.LargestTensors.All(t => t.External));
        Assert.AreEqual(212, m.ParameterCount);
    }

    [TestMethod]
    public void Inspect_IrVersion3ModelListingInitializersAsInputs_ExcludesThemFromInputs()
    {
        OnnxTestData.RequireInstalled();
        var m = ModelInspector.Inspect(OnnxModel.Load(Path.Combine(OnnxTestData.Case("pytorch-converted/test_Conv2d"), "model.onnx")));

        Assert.AreEqual(1, m.Inputs.Count);
        Assert.AreEqual(3, m.IrVersion);
    }
}
