using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Files;

/// <summary>Models over 2 GB: offsets and files past 2^31 bytes, on sparse files so the tests cost no disk.</summary>
[TestClass]
public sealed class LargeExternalDataTests
{
    private const long ThreeGiB = 3L << 30;

    [TestMethod]
    public void Read_TensorAtOffsetPast4GiB_ReadsItsBytes()
    {
        using var temp = new TempFolder();
        var values = new float[] { 1.5f, -2f, 3.25f, 4f };
        var data = temp.File("big.bin");
        using (var stream = new FileStream(data, FileMode.CreateNew))
        {
            stream.SetLength(ThreeGiB + 4096);
            stream.Position = ThreeGiB;
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }

        var proto = TinyModels.Mlp(classes: 4);
        TinyModels.PointAtExternal(proto.Graph.Initializer.First(t => t.Name == "fc2.bias"), "big.bin", ThreeGiB, 16);
        var model = OnnxModel.Load(TinyModels.Write(proto, temp.File("model.onnx")));

        model.ValidateExternalData();
        CollectionAssert.AreEqual(values, TensorData.Read<float>(model, model.GetInitializer("fc2.bias")));
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void Save_DataFilePast2GiB_StreamsCopyAndPatchesTensor()
    {
        using var temp = new TempFolder();
        var data = temp.File("src/big.bin");
        using (var stream = new FileStream(data, FileMode.CreateNew))
        {
            stream.SetLength(ThreeGiB + 16);
        }

        var proto = TinyModels.Mlp(classes: 4);
        TinyModels.PointAtExternal(proto.Graph.Initializer.First(t => t.Name == "fc2.bias"), "big.bin", ThreeGiB, 16);
        var model = OnnxModel.Load(TinyModels.Write(proto, temp.File("src/model.onnx")));
        TensorData.Write<float>(model, model.GetInitializer("fc2.bias"), [9, 8, 7, 6]);

        model.Save(temp.File("out/model.onnx"));

        var copy = OnnxModel.Load(temp.File("out/model.onnx"));
        CollectionAssert.AreEqual(new float[] { 9, 8, 7, 6 }, TensorData.Read<float>(copy, copy.GetInitializer("fc2.bias")));
        Assert.AreEqual(ThreeGiB + 16, new FileInfo(temp.File("out/big.bin")).Length);
    }
}
