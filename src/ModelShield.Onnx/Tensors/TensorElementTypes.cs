using ModelShield.Errors;
using ModelShield.Onnx.Schema;

namespace ModelShield.Onnx.Tensors;

/// <summary>Facts about ONNX element types: names and sizes.</summary>
public static class TensorElementTypes
{
    /// <summary>The ONNX name of an element type code (e.g. 1 is "float32"), or "type N" for unknown codes.</summary>
    public static string Name(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float => "float32",
        TensorProto.Types.DataType.Uint8 => "uint8",
        TensorProto.Types.DataType.Int8 => "int8",
        TensorProto.Types.DataType.Uint16 => "uint16",
        TensorProto.Types.DataType.Int16 => "int16",
        TensorProto.Types.DataType.Int32 => "int32",
        TensorProto.Types.DataType.Int64 => "int64",
        TensorProto.Types.DataType.String => "string",
        TensorProto.Types.DataType.Bool => "bool",
        TensorProto.Types.DataType.Float16 => "float16",
        TensorProto.Types.DataType.Double => "float64",
        TensorProto.Types.DataType.Uint32 => "uint32",
        TensorProto.Types.DataType.Uint64 => "uint64",
        TensorProto.Types.DataType.Complex64 => "complex64",
        TensorProto.Types.DataType.Complex128 => "complex128",
        TensorProto.Types.DataType.Bfloat16 => "bfloat16",
        TensorProto.Types.DataType.Float8E4M3Fn => "float8e4m3fn",
        TensorProto.Types.DataType.Float8E4M3Fnuz => "float8e4m3fnuz",
        TensorProto.Types.DataType.Float8E5M2 => "float8e5m2",
        TensorProto.Types.DataType.Float8E5M2Fnuz => "float8e5m2fnuz",
        TensorProto.Types.DataType.Uint4 => "uint4",
        TensorProto.Types.DataType.Int4 => "int4",
        TensorProto.Types.DataType.Float4E2M1 => "float4e2m1",
        TensorProto.Types.DataType.Float8E8M0 => "float8e8m0",
        TensorProto.Types.DataType.Undefined => "undefined",
        _ => $"type {dataType}",
    };

    /// <summary>
    /// Bits one element takes in raw_data (4 for int4 and float4), or null for strings and unknown types.
    /// </summary>
    public static int? BitsPerElement(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 32,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64
            or TensorProto.Types.DataType.Complex64 => 64,
        TensorProto.Types.DataType.Complex128 => 128,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Uint16 => 16,
        TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Bool
            or TensorProto.Types.DataType.Float8E4M3Fn or TensorProto.Types.DataType.Float8E4M3Fnuz
            or TensorProto.Types.DataType.Float8E5M2 or TensorProto.Types.DataType.Float8E5M2Fnuz
            or TensorProto.Types.DataType.Float8E8M0 => 8,
        TensorProto.Types.DataType.Uint4 or TensorProto.Types.DataType.Int4 or TensorProto.Types.DataType.Float4E2M1 => 4,
        _ => null,
    };

    /// <summary>
    /// Number of elements of a tensor (the product of its dims; 1 for a scalar, 0 when a dim is negative). Dims whose
    /// product passes 2^63 are <see cref="ErrorCodes.TensorDataMismatch"/>: no data can match them.
    /// </summary>
    public static long ElementCount(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long count = 1;
        foreach (var d in tensor.Dims)
        {
            if (d > 0 && count > long.MaxValue / d)
            {
                throw Impossible(tensor);
            }

            count = d < 0 ? 0 : count * d;
        }

        return count;
    }

    /// <summary>Bytes the tensor's data takes in raw form, or null when the type has no fixed size.</summary>
    public static long? ByteSize(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var bits = BitsPerElement(tensor.DataType);
        if (bits is null)
        {
            return null;
        }

        var count = ElementCount(tensor);
        return count <= (long.MaxValue - 7) / bits.Value ? ((count * bits.Value) + 7) / 8 : throw Impossible(tensor);
    }

    private static ModelShieldException Impossible(TensorProto tensor) =>
        new(ErrorCodes.TensorDataMismatch, $"Tensor '{tensor.Name}' has dims [{string.Join(", ", tensor.Dims)}]: more elements than any data can hold.");
}
