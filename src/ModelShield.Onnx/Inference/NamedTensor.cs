using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Onnx.Inference;

/// <summary>
/// A dense tensor passed to or returned by inference: a name, a shape and a flat array whose element
/// type is the tensor's (float[], long[], bool[], Half[], ...).
/// </summary>
public sealed record NamedTensor(string Name, long[] Shape, Array Data)
{
    /// <summary>Creates a float32 tensor.</summary>
    public static NamedTensor OfSingles(string name, float[] data, params long[] shape) => new(name, shape, data);

    /// <summary>The ONNX element type of <see cref="Data"/>.</summary>
    public DataType ElementType => ElementTypeOf(Data.GetType().GetElementType()!);

    /// <summary>The data as float32 values; only for float32 tensors.</summary>
    public float[] AsFloats() => Data as float[] ?? throw new ModelShieldException(
        ErrorCodes.UnsupportedTensorType, $"Tensor '{Name}' is {TensorElementTypes.Name((int)ElementType)}, not float32.");

    /// <summary>Reads a TensorProto (e.g. a test-data .pb file) into a dense tensor.</summary>
    public static NamedTensor FromProto(TensorProto tensor, OnnxModel? model = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var shape = tensor.Dims.ToArray();
        Array data = (DataType)tensor.DataType switch
        {
            DataType.Float => TensorData.Read<float>(model, tensor),
            DataType.Double => TensorData.Read<double>(model, tensor),
            DataType.Float16 => TensorData.Read<Half>(model, tensor),
            DataType.Bfloat16 => TensorData.Read<BFloat16>(model, tensor),
            DataType.Int8 => TensorData.Read<sbyte>(model, tensor),
            DataType.Uint8 => TensorData.Read<byte>(model, tensor),
            DataType.Int16 => TensorData.Read<short>(model, tensor),
            DataType.Uint16 => TensorData.Read<ushort>(model, tensor),
            DataType.Int32 => TensorData.Read<int>(model, tensor),
            DataType.Uint32 => TensorData.Read<uint>(model, tensor),
            DataType.Int64 => TensorData.Read<long>(model, tensor),
            DataType.Uint64 => TensorData.Read<ulong>(model, tensor),
            DataType.Bool => TensorData.Read<bool>(model, tensor),
            _ => throw new ModelShieldException(
                ErrorCodes.UnsupportedTensorType,
                $"Tensor '{tensor.Name}' is {TensorElementTypes.Name(tensor.DataType)}; inference supports numeric and bool tensors only."),
        };
        return new NamedTensor(tensor.Name, shape, data);
    }

    internal static DataType ElementTypeOf(Type type) =>
        Enum.GetValues<DataType>().FirstOrDefault(t => TensorData.NativeType(t) == type) is var found && found != DataType.Undefined
            ? found
            : throw new ModelShieldException(ErrorCodes.UnsupportedTensorType, $"Arrays of {type.Name} cannot be used as tensors.");
}
