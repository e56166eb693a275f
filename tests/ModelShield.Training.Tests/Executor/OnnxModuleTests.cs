using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Training.Architectures;
using ModelShield.Training.Executor;
using TorchSharp;
using static ModelShield.Training.Architectures.GraphBuilder;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Executor;

[TestClass]
public sealed class OnnxModuleTests
{
    [TestMethod]
    public void Create_UnsupportedOp_ThrowsNamingItAndListingSupported()
    {
        var g = new GraphBuilder("lstm");
        var x = g.Input("x", 1, 2);
        g.Node("Erf", [x], ["y"]);
        g.OutputOfAnyShape("y");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModule.Create(g.ToModel()));
        Assert.AreEqual(ErrorCodes.UnsupportedOperator, ex.Code);
        StringAssert.Contains(ex.Message, "Erf");
        StringAssert.Contains(ex.Message, "BatchNormalization");
        StringAssert.Contains(ex.Message, "Conv");
    }

    [TestMethod]
    public void Create_OpsetOutsideRange_ThrowsUnsupportedWithRange()
    {
        var g = new GraphBuilder("old", opset: 4);
        var x = g.Input("x", 1, 2);
        g.Node("Reshape", [x], ["y"], null, Ints("shape", 2, 1));
        g.OutputOfAnyShape("y");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModule.Create(g.ToModel()));
        Assert.AreEqual(ErrorCodes.UnsupportedOperator, ex.Code);
        StringAssert.Contains(ex.Message, "opset 4");
        StringAssert.Contains(ex.Message, "5-23");
    }

    [TestMethod]
    public void Create_Cycle_ThrowsInvalidGraph()
    {
        var g = new GraphBuilder("cycle");
        var x = g.Input("x", 1, 2);
        g.Node("Add", [x, "b"], ["a"]);
        g.Node("Relu", ["a"], ["b"]);
        g.OutputOfAnyShape("b");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModule.Create(g.ToModel()));
        Assert.AreEqual(ErrorCodes.InvalidGraph, ex.Code);
        StringAssert.Contains(ex.Message, "cycle");
    }

    [TestMethod]
    public void Create_MissingValue_ThrowsInvalidGraphNamingIt()
    {
        var g = new GraphBuilder("missing");
        var x = g.Input("x", 1, 2);
        g.Node("Add", [x, "nowhere"], ["y"]);
        g.OutputOfAnyShape("y");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModule.Create(g.ToModel()));
        Assert.AreEqual(ErrorCodes.InvalidGraph, ex.Code);
        StringAssert.Contains(ex.Message, "nowhere");
    }

    [TestMethod]
    public void Create_NodesOutOfOrder_RunsInTopologicalOrder()
    {
        var g = new GraphBuilder("order");
        var x = g.Input("x", 2);
        g.Node("Relu", ["a"], ["y"]);
        g.Node("Sub", [x, g.Initializer("one", [1f, 1f], 2)], ["a"]);
        g.OutputOfAnyShape("y");
        using var module = OnnxModule.Create(g.ToModel());
        var y = module.forward(torch.tensor(new[] { 3f, 0f }));
        CollectionAssert.AreEqual(new[] { 2f, 0f }, y.data<float>().ToArray());
    }

    [TestMethod]
    public void Create_FloatInitializers_AreParametersExceptBatchNormStatistics()
    {
        var g = new GraphBuilder("bn");
        var x = g.Input("x", -1, 2, 3, 3);
        var y = g.Op("BatchNormalization", [x, g.Initializer("scale", [1f, 1f], 2), g.Initializer("bias", [0f, 0f], 2), g.Initializer("mean", [0f, 0f], 2), g.Initializer("var", [1f, 1f], 2)]);
        var r = g.Op("Reshape", [y, g.Initializer("shape", [0L, -1L], 2)]);
        g.Node("Identity", [r], ["out"]);
        g.OutputOfAnyShape("out");
        using var module = OnnxModule.Create(g.ToModel());
        CollectionAssert.AreEquivalent(new[] { "scale", "bias" }, module.Weights.Where(w => w.Trainable).Select(w => w.Name).ToArray());
        CollectionAssert.AreEquivalent(new[] { "mean", "var" }, module.Weights.Where(w => !w.Trainable).Select(w => w.Name).ToArray());
        Assert.AreEqual(2, module.parameters().Count());
    }

    [TestMethod]
    public void Forward_TrainingMode_UpdatesBatchNormRunningStatisticsAsOnnxDefines()
    {
        var g = new GraphBuilder("bn");
        var x = g.Input("x", -1, 2, 2, 2);
        g.Node("BatchNormalization", [x, g.Initializer("scale", [1f, 1f], 2), g.Initializer("bias", [0f, 0f], 2), g.Initializer("mean", [0f, 0f], 2), g.Initializer("var", [1f, 1f], 2)], ["y"], null, Attr("momentum", 0.75f));
        g.OutputOfAnyShape("y");
        using var module = OnnxModule.Create(g.ToModel());
        module.train();
        var input = torch.arange(16, dtype: ScalarType.Float32).reshape(2, 2, 2, 2);
        module.forward(input);
        var mean = module.Weights.Single(w => w.Name == "mean").Value;
        var batchMean = input.mean([0L, 2L, 3L]);
        TensorAssert.Close(batchMean * 0.25f, mean, "running mean = 0.75 * 0 + 0.25 * batch mean");
    }

    [TestMethod]
    public void Forward_DropoutTraining_ZeroesAboutRatioAndKeepsExpectation()
    {
        var g = new GraphBuilder("dropout");
        var x = g.Input("x", -1);
        g.Node("Dropout", [x, g.Initializer("ratio", [0.25f])], ["y"]);
        g.OutputOfAnyShape("y");
        using var module = OnnxModule.Create(g.ToModel());
        var input = torch.ones(100_000);
        module.eval();
        Assert.IsTrue((module.forward(input) == input).all().item<bool>(), "Evaluation must be the identity.");
        module.train();
        var y = module.forward(input);
        var zeroed = (y == 0).to_type(ScalarType.Float32).mean().item<float>();
        Assert.AreEqual(0.25f, zeroed, 0.01f);
        Assert.AreEqual(1f / 0.75f, y.max().item<float>(), 1e-5f);
    }

    [TestMethod]
    public void WriteWeightsTo_ExternalData_ChangesOnlyInitializerValues()
    {
        var folder = LabTestData.NewTempFolder();
        var g = new GraphBuilder("ext");
        var x = g.Input("x", -1, 64);
        var w = g.Initializer("fc.weight", Enumerable.Range(0, 64 * 10).Select(i => (i % 7) * 0.01f).ToArray(), 10, 64);
        var b = g.Initializer("fc.bias", new float[10], 10);
        g.Node("Gemm", [x, w, b], ["logits"], null, Attr("transB", 1L));
        g.Output("logits", -1, 10);
        var original = OnnxModel.Parse(g.Build([("owner", "lab")]).ToByteArray(), folder);
        original.MoveToExternalData("weights.bin", minBytes: 1024);
        var source = Path.Combine(folder, "model.onnx");
        original.Save(source);

        var loaded = OnnxModel.Load(source);
        using var module = OnnxModule.Create(loaded);
        using (torch.no_grad())
        {
            module.Parameter("fc.weight").add_(1f);
            module.Parameter("fc.bias").add_(2f);
        }

        var target = OnnxModel.Load(source);
        module.WriteWeightsTo(target);
        var outFolder = LabTestData.NewTempFolder();
        var outPath = Path.Combine(outFolder, "model.onnx");
        target.Save(outPath);

        var written = OnnxModel.Load(outPath);
        var before = OnnxModel.Load(source);
        Assert.AreEqual(before.Graph.Node.ToString(), written.Graph.Node.ToString(), "Nodes changed.");
        Assert.AreEqual(before.Proto.MetadataProps.ToString(), written.Proto.MetadataProps.ToString());
        for (var i = 0; i < before.Graph.Initializer.Count; i++)
        {
            var a = before.Graph.Initializer[i];
            var c = written.Graph.Initializer[i];
            Assert.AreEqual(a.Name, c.Name);
            Assert.AreEqual(a.ExternalData.ToString(), c.ExternalData.ToString(), "External-data layout changed.");
        }

        Assert.IsTrue(File.Exists(Path.Combine(outFolder, "weights.bin")));
        var newWeights = ModelShield.Onnx.Tensors.TensorData.Read<float>(written, written.GetInitializer("fc.weight"));
        var oldWeights = ModelShield.Onnx.Tensors.TensorData.Read<float>(before, before.GetInitializer("fc.weight"));
        Assert.AreEqual(oldWeights[5] + 1f, newWeights[5], 1e-6f);
        var newBias = ModelShield.Onnx.Tensors.TensorData.Read<float>(written, written.GetInitializer("fc.bias"));
        Assert.AreEqual(2f, newBias[0]);
    }
}
