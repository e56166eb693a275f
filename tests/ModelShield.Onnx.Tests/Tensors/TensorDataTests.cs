using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Onnx.Tests.Tensors;

[TestClass]
public sealed class TensorDataTests
{
    public enum Storage
    {
        Raw,
        Typed,
        External,
    }

    private static readonly float[] Sample = [0f, 1f, -2f, 3.5f, 100f, -7.25f];

    public static IEnumerable<object[]> TypesAndStorages() =>
        from type in new[] { DataType.Float, DataType.Float16, DataType.Bfloat16, DataType.Double, DataType.Int8, DataType.Uint8, DataType.Int32, DataType.Int64 }
        from storage in Enum.GetValues<Storage>()
        select new object[] { type, storage };

    [TestMethod]
    [DynamicData(nameof(TypesAndStorages))]
    public void ReadAsSingleThenWriteFromSingle_EveryTypeAndStorage_RoundTripsAndKeepsForm(DataType type, Storage storage)
    {
        using var temp = new TempFolder();
        var isInteger = type is DataType.Int8 or DataType.Uint8 or DataType.Int32 or DataType.Int64;
        var input = Sample.Select(v => isInteger ? MathF.Truncate(v) : v).Select(v => type == DataType.Uint8 ? Math.Abs(v) : v).ToArray();
        var model = ModelWith(temp, type, storage, input);
        var tensor = model.GetInitializer("t");

        CollectionAssert.AreEqual(input, TensorData.ReadAsSingle(model, tensor), "exact for these values in every type");

        var doubled = input.Select(v => v * 2).ToArray();
        TensorData.WriteFromSingle(model, tensor, doubled);

        Assert.AreEqual(storage == Storage.External, ExternalDataInfo.IsExternal(tensor));
        Assert.AreEqual(storage == Storage.Raw, tensor.HasRawData);
        var expected = type == DataType.Int8 ? doubled.Select(v => Math.Clamp(v, -128, 127)).ToArray() : doubled;
        CollectionAssert.AreEqual(expected, TensorData.ReadAsSingle(model, tensor));

        // The saved file reads back the same, in the same storage form.
        model.Save(temp.File("out/model.onnx"));
        var saved = OnnxModel.Load(temp.File("out/model.onnx"));
        var savedTensor = saved.GetInitializer("t");
        CollectionAssert.AreEqual(expected, TensorData.ReadAsSingle(saved, savedTensor));
        Assert.AreEqual(storage == Storage.Raw, savedTensor.HasRawData);
        Assert.AreEqual(storage == Storage.External, ExternalDataInfo.IsExternal(savedTensor));
    }

    [TestMethod]
    public void Read_Float16Raw_MatchesHalfConversion()
    {
        var values = new[] { (Half)0.1f, (Half)(-65504f), Half.Epsilon, Half.NaN };
        var tensor = new TensorProto { Name = "h", DataType = (int)DataType.Float16, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(values.Length);

        var read = TensorData.Read<Half>(null, tensor);

        CollectionAssert.AreEqual(values, read);
    }

    [TestMethod]
    public void BFloat16_FromSingle_RoundsToNearestEven()
    {
        float[] inputs = [1.00390625f, 1.005859375f, 1.0071f];
        var rounded = inputs.Select(v => BFloat16.FromSingle(v).ToSingle()).ToArray();

        // Near 1 the spacing is 2^-7: 1 + 2^-8 is a tie and goes to the even 1; 1 + 3 * 2^-9 and 1.0071 go to the nearer 1 + 2^-7.
        CollectionAssert.AreEqual(new[] { 1f, 1.0078125f, 1.0078125f }, rounded);
        Assert.IsTrue(float.IsNaN(BFloat16.FromSingle(float.NaN).ToSingle()));
    }

    [TestMethod]
    public void Read_WrongNativeType_ThrowsUnsupportedNamingTheRightOne()
    {
        var tensor = TinyModels.RawFloat("w", [1, 2], 2);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TensorData.Read<double>(null, tensor));

        Assert.AreEqual(ErrorCodes.UnsupportedTensorType, ex.Code);
        StringAssert.Contains(ex.Message, "Single");
    }

    [TestMethod]
    public void Write_WrongCount_ThrowsTensorDataMismatch()
    {
        var model = OnnxModel.Parse(TinyModels.Mlp().ToByteArray(), null);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TensorData.Write<float>(model, model.GetInitializer("fc2.bias"), [1, 2]));

        Assert.AreEqual(ErrorCodes.TensorDataMismatch, ex.Code);
    }

    [TestMethod]
    [DataRow(Storage.Raw)]
    [DataRow(Storage.Typed)]
    [DataRow(Storage.External)]
    public void Read_DimsClaimingAGigabyteOverSixValues_ThrowsMismatchWithoutAllocatingIt(Storage storage)
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("d.bin"), MemoryMarshal.AsBytes(Sample.AsSpan()).ToArray());
        var model = OnnxModel.Parse(TinyModels.Mlp().ToByteArray(), temp.Path);
        var tensor = TinyModels.RawFloat("w", Sample, 1 << 28);
        if (storage == Storage.Typed)
        {
            tensor.ClearRawData();
            tensor.FloatData.AddRange(Sample);
        }
        else if (storage == Storage.External)
        {
            TinyModels.PointAtExternal(tensor, "d.bin");
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TensorData.Read<float>(model, tensor));

        Assert.AreEqual(ErrorCodes.TensorDataMismatch, ex.Code);
        Assert.IsLessThan(16L << 20, GC.GetAllocatedBytesForCurrentThread() - before, "the 1 GiB the dims claim is never allocated");
    }

    [TestMethod]
    public void ElementCount_DimsPast2To63_ThrowsTensorDataMismatch()
    {
        var tensor = TinyModels.RawFloat("w", Sample, 1L << 40, 1L << 40);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TensorElementTypes.ElementCount(tensor));

        Assert.AreEqual(ErrorCodes.TensorDataMismatch, ex.Code);
        StringAssert.Contains(ex.Message, "'w'");
    }

    [TestMethod]
    public void ReadAsSingle_StringTensor_ThrowsUnsupported()
    {
        var tensor = new TensorProto { Name = "s", DataType = (int)DataType.String };
        tensor.Dims.Add(1);
        tensor.StringData.Add(ByteString.CopyFromUtf8("x"));

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TensorData.ReadAsSingle(null, tensor));

        Assert.AreEqual(ErrorCodes.UnsupportedTensorType, ex.Code);
    }

    private static OnnxModel ModelWith(TempFolder temp, DataType type, Storage storage, float[] values)
    {
        var proto = TinyModels.Mlp();
        var tensor = new TensorProto { Name = "t", DataType = (int)type };
        tensor.Dims.Add(values.Length);
        proto.Graph.Initializer.Add(tensor);
        var path = TinyModels.Write(proto, temp.File("src/model.onnx"));
        var model = OnnxModel.Load(path);
        var t = model.GetInitializer("t");

        // Fill in raw form first (the tensor has no data yet), then move it to the wanted form.
        TensorData.WriteFromSingle(model, t, values);
        if (storage == Storage.Typed)
        {
            var raw = t.RawData;
            t.ClearRawData();
            FillTyped(t, type, raw.Span);
        }
        else if (storage == Storage.External)
        {
            model.MoveToExternalData("data.bin", minBytes: 0);
            model.Save(temp.File("ext/model.onnx"));
            model = OnnxModel.Load(temp.File("ext/model.onnx"));
        }

        return model;
    }

    private static void FillTyped(TensorProto t, DataType type, ReadOnlySpan<byte> raw)
    {
        switch (type)
        {
            case DataType.Float: t.FloatData.AddRange(MemoryMarshal.Cast<byte, float>(raw).ToArray()); break;
            case DataType.Double: t.DoubleData.AddRange(MemoryMarshal.Cast<byte, double>(raw).ToArray()); break;
            case DataType.Int64: t.Int64Data.AddRange(MemoryMarshal.Cast<byte, long>(raw).ToArray()); break;
            case DataType.Int32: t.Int32Data.AddRange(MemoryMarshal.Cast<byte, int>(raw).ToArray()); break;
            case DataType.Float16 or DataType.Bfloat16: t.Int32Data.AddRange(MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(v => (int)v)); break;
            case DataType.Int8: t.Int32Data.AddRange(MemoryMarshal.Cast<byte, sbyte>(raw).ToArray().Select(v => (int)v)); break;
            case DataType.Uint8: t.Int32Data.AddRange(raw.ToArray().Select(v => (int)v)); break;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }
}
