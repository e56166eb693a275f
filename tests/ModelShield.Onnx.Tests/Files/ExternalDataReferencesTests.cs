using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Files;

[TestClass]
public sealed class ExternalDataReferencesTests
{
    [TestMethod]
    public void Locations_ModelWithExternalData_SameAsTheFullWalk()
    {
        using var temp = new TempFolder();
        var bytes = File.ReadAllBytes(TinyModels.WriteWithExternalData(temp.Path));

        var found = ExternalDataReferences.Locations(bytes, "m.onnx");

        CollectionAssert.AreEqual(OnnxModel.Parse(bytes, temp.Path).ExternalDataLocations().ToArray(), found.ToArray());
        CollectionAssert.AreEqual(new[] { "weights.bin" }, found.ToArray());
    }

    [TestMethod]
    public void Locations_ExternalTensorsInSubgraphSparseAttributeAndFunction_FindsEveryOne()
    {
        var model = TinyModels.Mlp();
        var node = new NodeProto { OpType = "If" };
        var branch = new GraphProto { Name = "then" };
        branch.Initializer.Add(External("in-subgraph.bin"));
        var sparse = new SparseTensorProto { Values = External("sparse-values.bin"), Indices = External("sparse-indices.bin") };
        branch.SparseInitializer.Add(sparse);
        node.Attribute.Add(new AttributeProto { Name = "then_branch", G = branch });
        node.Attribute.Add(new AttributeProto { Name = "value", T = External("attribute.bin") });
        model.Graph.Node.Add(node);
        var function = new FunctionProto { Name = "f" };
        function.Node.Add(new NodeProto { OpType = "Constant", Attribute = { new AttributeProto { Name = "value", Tensors = { External("function.bin") } } } });
        model.Functions.Add(function);
        model.TrainingInfo.Add(new TrainingInfoProto { Initialization = new GraphProto { Initializer = { External("training.bin") } } });
        var bytes = model.ToByteArray();

        var found = ExternalDataReferences.Locations(bytes, "m.onnx");

        CollectionAssert.AreEquivalent(OnnxModel.Parse(bytes, null).ExternalDataLocations().ToArray(), found.ToArray());
        CollectionAssert.AreEquivalent(new[] { "in-subgraph.bin", "sparse-values.bin", "sparse-indices.bin", "attribute.bin", "function.bin", "training.bin" }, found.ToArray());
    }

    [TestMethod]
    public void Tensors_MainGraphAndSubgraphTensors_ReportShapeTypePlaceAndWhere()
    {
        var model = TinyModels.Mlp();
        TinyModels.PointAtExternal(model.Graph.Initializer[0], "main.bin", offset: 64, length: 12);
        var branch = new GraphProto { Name = "then", Initializer = { External("in-subgraph.bin") } };
        model.Graph.Node.Add(new NodeProto { OpType = "If", Attribute = { new AttributeProto { Name = "then_branch", G = branch } } });

        var found = ExternalDataReferences.Tensors(model.ToByteArray(), "m.onnx");

        Assert.HasCount(2, found);
        var main = found.Single(t => t.Data.Location == "main.bin");
        Assert.AreEqual(model.Graph.Initializer[0].Name, main.Name);
        Assert.AreEqual(model.Graph.Initializer[0].DataType, main.DataType);
        CollectionAssert.AreEqual(model.Graph.Initializer[0].Dims.ToArray(), main.Dims.ToArray());
        Assert.AreEqual(new ExternalDataInfo("main.bin", 64, 12), main.Data);
        Assert.IsTrue(main.IsMainGraphInitializer);
        Assert.IsFalse(found.Single(t => t.Data.Location == "in-subgraph.bin").IsMainGraphInitializer);
    }

    [TestMethod]
    public void Tensors_OffsetNotANumber_IsOutOfRange()
    {
        var model = TinyModels.Mlp();
        TinyModels.PointAtExternal(model.Graph.Initializer[0], "main.bin");
        model.Graph.Initializer[0].ExternalData[1].Value = "-5";

        var error = Assert.ThrowsExactly<ModelShieldException>(() => ExternalDataReferences.Tensors(model.ToByteArray(), "m.onnx"));
        Assert.AreEqual(ErrorCodes.ExternalDataOutOfRange, error.Code);
    }

    [TestMethod]
    public void Locations_InlineModel_NoneAndTensorBytesSkipped()
    {
        var model = TinyModels.Mlp();
        model.Graph.Initializer.Add(new TensorProto { Name = "big", DataType = 1, Dims = { 1 << 20 }, RawData = ByteString.CopyFrom(new byte[4 << 20]) });

        Assert.IsEmpty(ExternalDataReferences.Locations(model.ToByteArray(), "m.onnx"));
    }

    [TestMethod]
    public void Locations_ExternalTensorWithoutLocation_IsRefused()
    {
        var model = TinyModels.Mlp();
        model.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External;

        var error = Assert.ThrowsExactly<ModelShieldException>(() => ExternalDataReferences.Locations(model.ToByteArray(), "m.onnx"));
        Assert.AreEqual(ErrorCodes.UnsafeExternalDataPath, error.Code);
    }

    [TestMethod]
    public void Locations_TruncatedBytes_IsMalformedModel()
    {
        var bytes = TinyModels.Mlp().ToByteArray();

        var error = Assert.ThrowsExactly<ModelShieldException>(() => ExternalDataReferences.Locations(bytes[..(bytes.Length / 2)], "m.onnx"));
        Assert.AreEqual(ErrorCodes.MalformedModel, error.Code);
    }

    private static TensorProto External(string location) => new()
    {
        Name = location,
        DataType = 1,
        Dims = { 4 },
        DataLocation = TensorProto.Types.DataLocation.External,
        ExternalData = { new StringStringEntryProto { Key = "location", Value = location }, new StringStringEntryProto { Key = "offset", Value = "0" } },
    };
}
