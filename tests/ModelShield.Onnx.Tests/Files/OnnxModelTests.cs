using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Files;

[TestClass]
public sealed class OnnxModelTests
{
    [TestMethod]
    public void Load_ValidModel_KeepsGraphAndSourcePath()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(), temp.File("m.onnx"));

        var model = OnnxModel.Load(path);

        Assert.AreEqual(4, model.Graph.Initializer.Count);
        Assert.AreEqual(Path.GetFullPath(path), model.SourcePath);
        Assert.AreEqual(temp.Path, model.BaseDirectory);
    }

    [TestMethod]
    public void Load_TruncatedModel_ThrowsMalformedModel()
    {
        using var temp = new TempFolder();
        var bytes = TinyModels.Mlp().ToByteArray();
        var path = temp.File("cut.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 7)]);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModel.Load(path));

        Assert.AreEqual(ErrorCodes.MalformedModel, ex.Code);
        StringAssert.Contains(ex.Message, "cut.onnx");
    }

    [TestMethod]
    public void Load_RandomBytes_ThrowsCodedErrorNotCrash()
    {
        using var temp = new TempFolder();
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(1, 400)];
            random.NextBytes(bytes);
            var path = temp.File($"r{i}.onnx");
            File.WriteAllBytes(path, bytes);

            var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModel.Load(path));

            CollectionAssert.Contains(new[] { ErrorCodes.MalformedModel, ErrorCodes.ModelWithoutGraph, ErrorCodes.ModelTooDeep }, ex.Code);
        }
    }

    [TestMethod]
    public void Load_EmptyFile_ThrowsModelWithoutGraph()
    {
        using var temp = new TempFolder();
        var path = temp.File("empty.onnx");
        File.WriteAllBytes(path, []);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModel.Load(path));

        Assert.AreEqual(ErrorCodes.ModelWithoutGraph, ex.Code);
    }

    [TestMethod]
    public void Load_MissingFile_ThrowsPathNotFound()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModel.Load("/nonexistent/model.onnx"));

        Assert.AreEqual(ErrorCodes.PathNotFound, ex.Code);
    }

    [TestMethod]
    public void Load_OverSizeLimit_ThrowsModelTooLarge()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(), temp.File("m.onnx"));

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModel.Load(path, new ModelReadOptions { MaxModelBytes = 100 }));

        Assert.AreEqual(ErrorCodes.ModelTooLarge, ex.Code);
    }

    [TestMethod]
    public void Load_GraphsNestedDeeperThanLimit_ThrowsModelTooDeep()
    {
        var model = TinyModels.Mlp();
        var inner = new GraphProto { Name = "leaf" };
        for (var i = 0; i < 40; i++)
        {
            var node = new NodeProto { OpType = "If" };
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = inner });
            inner = new GraphProto { Name = $"g{i}" };
            inner.Node.Add(node);
        }

        model.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "deep", G = inner });
        var bytes = model.ToByteArray();

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModel.Parse(bytes, null, new ModelReadOptions { MaxNestingDepth = 30 }));

        Assert.AreEqual(ErrorCodes.ModelTooDeep, ex.Code);
        Assert.IsNotNull(OnnxModel.Parse(bytes, null, new ModelReadOptions { MaxNestingDepth = 200 }).Graph);
    }

    [TestMethod]
    public void Save_OverItsOwnSource_ThrowsOutputIsInputAndKeepsFile()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(), temp.File("m.onnx"));
        var before = File.ReadAllBytes(path);
        var model = OnnxModel.Load(path);
        model.Proto.ProducerName = "changed";

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => model.Save(path, overwrite: true));

        Assert.AreEqual(ErrorCodes.OutputIsInput, ex.Code);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void Save_ExistingOutputWithoutOverwrite_ThrowsOutputExists()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(), temp.File("m.onnx"));
        var other = temp.File("other.onnx");
        File.WriteAllText(other, "keep me");

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxModel.Load(path).Save(other));

        Assert.AreEqual(ErrorCodes.OutputExists, ex.Code);
        Assert.AreEqual("keep me", File.ReadAllText(other));
        Assert.IsEmpty(Directory.GetFiles(temp.Path, "*.tmp"), "no temporary file is left behind");
    }

    [TestMethod]
    public void Save_LoadedModel_WritesIdenticalBytes()
    {
        using var temp = new TempFolder();
        var path = TinyModels.Write(TinyModels.Mlp(), temp.File("m.onnx"));
        var copy = temp.File("copy/m.onnx");

        OnnxModel.Load(path).Save(copy);

        CollectionAssert.AreEqual(File.ReadAllBytes(path), File.ReadAllBytes(copy));
    }

    [TestMethod]
    public void MoveToExternalData_SaveAndReload_ValuesUnchangedAndDataOutsideModel()
    {
        using var temp = new TempFolder();
        var original = OnnxModel.Parse(TinyModels.Mlp().ToByteArray(), null);
        var expected = TensorData.Read<float>(original, original.GetInitializer("fc1.weight"));

        var path = TinyModels.WriteWithExternalData(temp.Path);
        var reloaded = OnnxModel.Load(path);

        Assert.AreEqual(4, reloaded.ExternalTensors().Count());
        CollectionAssert.AreEqual(new[] { "weights.bin" }, reloaded.ExternalDataLocations().ToArray());
        CollectionAssert.AreEqual(expected, TensorData.Read<float>(reloaded, reloaded.GetInitializer("fc1.weight")));
        Assert.IsTrue(reloaded.Graph.Initializer.All(t => !t.HasRawData && t.FloatData.Count == 0), "no weight stays in the .onnx file");
        Assert.IsLessThan(TinyModels.Mlp().CalculateSize(), new FileInfo(path).Length);
        Assert.IsGreaterThanOrEqualTo(212 * 4, new FileInfo(Path.Combine(temp.Path, "weights.bin")).Length);
    }

    [TestMethod]
    public void Save_ChangedExternalTensorToNewFolder_WritesPatchedDataAndKeepsSource()
    {
        using var temp = new TempFolder();
        var path = TinyModels.WriteWithExternalData(temp.File("a/x").Replace("/x", "", StringComparison.Ordinal));
        var sourceData = File.ReadAllBytes(temp.File("a/weights.bin"));
        var model = OnnxModel.Load(path);
        var bias = model.GetInitializer("fc2.bias");
        TensorData.Write<float>(model, bias, [1, 2, 3, 4]);

        model.Save(temp.File("b/model.onnx"));

        var copy = OnnxModel.Load(temp.File("b/model.onnx"));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, TensorData.Read<float>(copy, copy.GetInitializer("fc2.bias")));
        CollectionAssert.AreEqual(
            TensorData.Read<float>(model, model.GetInitializer("fc1.weight")),
            TensorData.Read<float>(copy, copy.GetInitializer("fc1.weight")));
        CollectionAssert.AreEqual(sourceData, File.ReadAllBytes(temp.File("a/weights.bin")), "the input's data file is untouched");
    }

    [TestMethod]
    public void Save_ChangedExternalTensorBesideSource_ThrowsOutputIsInput()
    {
        using var temp = new TempFolder();
        var path = TinyModels.WriteWithExternalData(temp.Path);
        var model = OnnxModel.Load(path);
        TensorData.Write<float>(model, model.GetInitializer("fc2.bias"), [1, 2, 3, 4]);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => model.Save(temp.File("model2.onnx")));

        Assert.AreEqual(ErrorCodes.OutputIsInput, ex.Code);
    }
}
