using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Training.Executor;

/// <summary>Converts ONNX tensors to TorchSharp tensors and back.</summary>
internal static class TensorConversion
{
    /// <summary>
    /// An ONNX tensor as a TorchSharp tensor of the matching element type. External data is read
    /// through <paramref name="model"/>; tensors inside attributes have none and may pass a model loaded from anything.
    /// </summary>
    public static Tensor ToTorch(OnnxModel model, TensorProto proto)
    {
        var shape = proto.Dims.ToArray();
        return (DataType)proto.DataType switch
        {
            DataType.Float => torch.tensor(TensorData.Read<float>(model, proto), shape, ScalarType.Float32),
            DataType.Double => torch.tensor(TensorData.Read<double>(model, proto), shape, ScalarType.Float64),
            DataType.Float16 => torch.tensor(TensorData.ReadAsSingle(model, proto), shape, ScalarType.Float32).to_type(ScalarType.Float16),
            DataType.Bfloat16 => torch.tensor(TensorData.ReadAsSingle(model, proto), shape, ScalarType.Float32).to_type(ScalarType.BFloat16),
            DataType.Int64 => torch.tensor(TensorData.Read<long>(model, proto), shape, ScalarType.Int64),
            DataType.Int32 => torch.tensor(TensorData.Read<int>(model, proto), shape, ScalarType.Int32),
            DataType.Int16 => torch.tensor(TensorData.Read<short>(model, proto), shape, ScalarType.Int16),
            DataType.Int8 => torch.tensor(TensorData.Read<sbyte>(model, proto), shape, ScalarType.Int8),
            DataType.Uint8 => torch.tensor(TensorData.Read<byte>(model, proto), shape, ScalarType.Byte),
            DataType.Bool => torch.tensor(TensorData.Read<bool>(model, proto), shape, ScalarType.Bool),
            _ => throw new ModelShieldException(
                ErrorCodes.UnsupportedTensorType,
                $"Tensor '{proto.Name}' is {TensorElementTypes.Name(proto.DataType)}; the lab's executor handles float, double, float16, bfloat16, int64, int32, int16, int8, uint8 and bool."),
        };
    }

    /// <summary>The ONNX element type of a TorchSharp element type.</summary>
    public static DataType ToOnnxType(ScalarType type) => type switch
    {
        ScalarType.Float32 => DataType.Float,
        ScalarType.Float64 => DataType.Double,
        ScalarType.Float16 => DataType.Float16,
        ScalarType.BFloat16 => DataType.Bfloat16,
        ScalarType.Int64 => DataType.Int64,
        ScalarType.Int32 => DataType.Int32,
        ScalarType.Int16 => DataType.Int16,
        ScalarType.Int8 => DataType.Int8,
        ScalarType.Byte => DataType.Uint8,
        ScalarType.Bool => DataType.Bool,
        _ => throw new ModelShieldException(ErrorCodes.UnsupportedTensorType, $"TorchSharp element type {type} has no ONNX counterpart here."),
    };

    /// <summary>The TorchSharp element type of an ONNX element type code.</summary>
    public static ScalarType ToTorchType(long onnxType, string context) => (DataType)onnxType switch
    {
        DataType.Float => ScalarType.Float32,
        DataType.Double => ScalarType.Float64,
        DataType.Float16 => ScalarType.Float16,
        DataType.Bfloat16 => ScalarType.BFloat16,
        DataType.Int64 => ScalarType.Int64,
        DataType.Int32 => ScalarType.Int32,
        DataType.Int16 => ScalarType.Int16,
        DataType.Int8 => ScalarType.Int8,
        DataType.Uint8 => ScalarType.Byte,
        DataType.Bool => ScalarType.Bool,
        _ => throw new ModelShieldException(ErrorCodes.UnsupportedTensorType, $"{context}: element type {TensorElementTypes.Name((int)onnxType)} is not supported by the lab's executor."),
    };

    /// <summary>The values of a float tensor, copied to a managed array (detached from any graph).</summary>
    public static float[] ToSingles(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return cpu.data<float>().ToArray();
    }

    /// <summary>The values of an integer tensor as int64 (shape inputs such as Reshape's).</summary>
    public static long[] ToInt64s(Tensor tensor)
    {
        using var cpu = tensor.detach().cpu().to_type(ScalarType.Int64).contiguous();
        return cpu.data<long>().ToArray();
    }
}
