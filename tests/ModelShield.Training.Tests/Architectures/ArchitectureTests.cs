using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Architectures;
using ModelShield.Training.Executor;
using ModelShield.Training.Tests.Executor;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Architectures;

[TestClass]
public sealed class ArchitectureTests
{
    [TestMethod]
    [DataRow("mlp", 235_146L)]
    [DataRow("cnn", 421_642L)]
    [DataRow("cnn-bn", 421_642L + 192L + 192L)]
    public void Build_Architecture_HasExpectedParameterCountAndRunsInOrtLikeTheExecutor(string id, long parameters)
    {
        var proto = ArchitectureRegistry.Get(id).Build(seed: 5);
        var model = OnnxModel.Parse(proto.ToByteArray(), null);
        Assert.AreEqual(parameters, model.Graph.Initializer.Where(i => i.DataType == 1).Sum(i => i.Dims.Aggregate(1L, (a, b) => a * b)));
        using var module = OnnxModule.Create(model);
        module.eval();
        var x = torch.rand(8, 1, 28, 28, generator: new Generator(1));
        var logits = module.forward(x);
        CollectionAssert.AreEqual(new long[] { 8, 10 }, logits.shape);
        var ort = OrtReference.Run(model.ToBytes(), new Dictionary<string, Tensor> { ["input"] = x });
        TensorAssert.Close(ort["logits"], logits, id);
    }

    [TestMethod]
    public void Build_SameSeed_SameWeights_OtherSeed_OtherWeights()
    {
        var a = ArchitectureRegistry.Get("cnn").Build(1).ToByteArray();
        CollectionAssert.AreEqual(a, ArchitectureRegistry.Get("cnn").Build(1).ToByteArray());
        CollectionAssert.AreNotEqual(a, ArchitectureRegistry.Get("cnn").Build(2).ToByteArray());
    }

    [TestMethod]
    public void Get_Unknown_ThrowsListingKnown()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ArchitectureRegistry.Get("resnet"));
        Assert.AreEqual(ErrorCodes.UnknownArchitecture, ex.Code);
        StringAssert.Contains(ex.Message, "mlp, cnn, cnn-bn");
    }
}
