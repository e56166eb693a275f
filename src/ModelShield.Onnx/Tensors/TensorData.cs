using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Onnx.Tensors;

/// <summary>
/// Reads and writes tensor values whatever their storage form: raw_data, the typed fields
/// (float_data, int32_data, ...) or external data. Writing keeps the form the tensor had.
/// Native access (<see cref="Read{T}"/>, <see cref="Write{T}"/>) needs the element type to match:
/// float, Half, BFloat16, double, sbyte, byte, short, ushort, int, uint, long, ulong, bool.
/// </summary>
public static class TensorData
{
    private const int ChunkElements = 1 << 20;

    /// <summary>Reads the values of a tensor of native element type <typeparamref name="T"/>; <paramref name="model"/> resolves external data and may be null for a standalone tensor.</summary>
    public static T[] Read<T>(OnnxModel? model, TensorProto tensor)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        RequireNative<T>(tensor);
        var count = TensorElementTypes.ElementCount(tensor);

        // Every size is checked against the data present before the array is made: a shape claiming billions of
        // elements must not allocate them.
        if (ExternalDataInfo.IsExternal(tensor))
        {
            var resolved = ResolveExternal(model, tensor);
            CheckRawLength(tensor, resolved.Length, RawLength<T>(tensor, count));
            var values = Allocate<T>(tensor, count);
            ReadExternal(resolved, values);
            return values;
        }

        if (tensor.HasRawData)
        {
            CheckRawLength(tensor, tensor.RawData.Length, RawLength<T>(tensor, count));
            var values = Allocate<T>(tensor, count);
            MemoryMarshal.Cast<byte, T>(tensor.RawData.Span).CopyTo(values);
            return values;
        }

        // The typed field read is checked exactly by CopyTyped; no field can hold more than all of them together.
        if (count > TypedValueCount(tensor))
        {
            CheckRawLength(tensor, TypedValueCount(tensor), count);
        }

        var typed = Allocate<T>(tensor, count);
        ReadTyped(tensor, typed);
        return typed;
    }

    /// <summary>Reads any real-valued numeric tensor as float32 (converting from its element type).</summary>
    public static float[] ReadAsSingle(OnnxModel? model, TensorProto tensor) =>
        ReadConverted(model, tensor, static v => (float)v);

    /// <summary>Reads any real-valued numeric tensor as float64 (converting from its element type).</summary>
    public static double[] ReadAsDouble(OnnxModel? model, TensorProto tensor) =>
        ReadConverted(model, tensor, static v => v);

    /// <summary>Replaces the values of a tensor of native element type <typeparamref name="T"/>, keeping its storage form.</summary>
    public static void Write<T>(OnnxModel model, TensorProto tensor, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensor);
        RequireNative<T>(tensor);
        var count = TensorElementTypes.ElementCount(tensor);
        if (values.Length != count)
        {
            throw new ModelShieldException(
                ErrorCodes.TensorDataMismatch,
                $"Tensor '{tensor.Name}' holds {count} elements; {values.Length} values were given.");
        }

        if (ExternalDataInfo.IsExternal(tensor))
        {
            var resolved = model.ResolveExternal(tensor);
            var bytes = MemoryMarshal.AsBytes(values).ToArray();
            CheckRawLength(tensor, resolved.Length, bytes.Length);
            model.SetPendingExternal(tensor, bytes);
        }
        else if (tensor.HasRawData || !HasTypedData(tensor))
        {
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        }
        else
        {
            WriteTyped(tensor, values);
        }
    }

    /// <summary>
    /// Replaces the values of any real-valued numeric tensor from float32 values, converting to its element type
    /// (integers are rounded to nearest and saturated), keeping its storage form.
    /// </summary>
    public static void WriteFromSingle(OnnxModel model, TensorProto tensor, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        switch ((DataType)tensor.DataType)
        {
            case DataType.Float: Write(model, tensor, values); break;
            case DataType.Double: Write(model, tensor, Convert(values, static v => (double)v)); break;
            case DataType.Float16: Write(model, tensor, Convert(values, static v => (Half)v)); break;
            case DataType.Bfloat16: Write(model, tensor, Convert(values, static v => (BFloat16)v)); break;
            case DataType.Int8: Write(model, tensor, Convert(values, static v => (sbyte)Math.Clamp(MathF.Round(v), sbyte.MinValue, sbyte.MaxValue))); break;
            case DataType.Uint8: Write(model, tensor, Convert(values, static v => (byte)Math.Clamp(MathF.Round(v), byte.MinValue, byte.MaxValue))); break;
            case DataType.Int16: Write(model, tensor, Convert(values, static v => (short)Math.Clamp(MathF.Round(v), short.MinValue, short.MaxValue))); break;
            case DataType.Uint16: Write(model, tensor, Convert(values, static v => (ushort)Math.Clamp(MathF.Round(v), ushort.MinValue, ushort.MaxValue))); break;
            case DataType.Int32: Write(model, tensor, Convert(values, static v => (int)Math.Clamp(Math.Round((double)v), int.MinValue, int.MaxValue))); break;
            case DataType.Int64: Write(model, tensor, Convert(values, static v => (long)Math.Clamp(Math.Round((double)v), long.MinValue, long.MaxValue))); break;
            default: throw Unsupported(tensor, "writing from float32");
        }
    }

    private static TOut[] Convert<TOut>(ReadOnlySpan<float> values, Func<float, TOut> convert)
    {
        var result = new TOut[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = convert(values[i]);
        }

        return result;
    }

    private static TOut[] ReadConverted<TOut>(OnnxModel? model, TensorProto tensor, Func<double, TOut> fromDouble)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return (DataType)tensor.DataType switch
        {
            DataType.Float when typeof(TOut) == typeof(float) => (TOut[])(object)Read<float>(model, tensor),
            DataType.Float => Map(Read<float>(model, tensor), v => fromDouble(v)),
            DataType.Double => Map(Read<double>(model, tensor), fromDouble),
            DataType.Float16 => Map(Read<Half>(model, tensor), v => fromDouble((double)v)),
            DataType.Bfloat16 => Map(Read<BFloat16>(model, tensor), v => fromDouble((double)v)),
            DataType.Int8 => Map(Read<sbyte>(model, tensor), v => fromDouble(v)),
            DataType.Uint8 => Map(Read<byte>(model, tensor), v => fromDouble(v)),
            DataType.Int16 => Map(Read<short>(model, tensor), v => fromDouble(v)),
            DataType.Uint16 => Map(Read<ushort>(model, tensor), v => fromDouble(v)),
            DataType.Int32 => Map(Read<int>(model, tensor), v => fromDouble(v)),
            DataType.Int64 => Map(Read<long>(model, tensor), v => fromDouble(v)),
            _ => throw Unsupported(tensor, "reading as a real number"),
        };
    }

    private static TOut[] Map<TIn, TOut>(TIn[] values, Func<TIn, TOut> convert)
    {
        var result = new TOut[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = convert(values[i]);
        }

        return result;
    }

    private static ResolvedExternalData ResolveExternal(OnnxModel? model, TensorProto tensor) =>
        model?.ResolveExternal(tensor) ?? throw new ModelShieldException(
            ErrorCodes.ExternalDataWithoutFolder,
            $"Tensor '{tensor.Name}' keeps its data in an external file, but no model is given to resolve it in.");

    private static void ReadExternal<T>(ResolvedExternalData resolved, T[] values)
        where T : unmanaged
    {
        if (resolved.Pending is not null)
        {
            MemoryMarshal.Cast<byte, T>(resolved.Pending).CopyTo(values);
            return;
        }

        using var stream = new FileStream(resolved.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        stream.Position = resolved.Offset;
        for (var start = 0; start < values.Length; start += ChunkElements)
        {
            var chunk = MemoryMarshal.AsBytes(values.AsSpan(start, Math.Min(ChunkElements, values.Length - start)));
            stream.ReadExactly(chunk);
        }
    }

    /// <summary>The bytes <paramref name="count"/> elements take in raw form, or MS3002 when that is beyond any file.</summary>
    private static long RawLength<T>(TensorProto tensor, long count)
        where T : unmanaged =>
        count <= long.MaxValue / Unsafe.SizeOf<T>()
            ? count * Unsafe.SizeOf<T>()
            : throw new ModelShieldException(ErrorCodes.TensorDataMismatch, $"Tensor '{tensor.Name}' claims {count} elements, more bytes than any file holds.");

    private static T[] Allocate<T>(TensorProto tensor, long count)
        where T : unmanaged =>
        count <= Array.MaxLength
            ? new T[count]
            : throw new ModelShieldException(
                ErrorCodes.TensorTooLarge,
                $"Tensor '{tensor.Name}' holds {count} elements; one read is limited to {Array.MaxLength}.");

    private static void CheckRawLength(TensorProto tensor, long actual, long expected)
    {
        if (actual != expected)
        {
            throw new ModelShieldException(
                ErrorCodes.TensorDataMismatch,
                $"Tensor '{tensor.Name}' ({TensorElementTypes.Name(tensor.DataType)}, {TensorElementTypes.ElementCount(tensor)} elements) needs {expected} bytes of data but has {actual}.");
        }
    }

    private static bool HasTypedData(TensorProto t) => TypedValueCount(t) > 0;

    private static long TypedValueCount(TensorProto t) =>
        (long)t.FloatData.Count + t.DoubleData.Count + t.Int32Data.Count + t.Int64Data.Count + t.Uint64Data.Count;

    private static void ReadTyped<T>(TensorProto tensor, T[] values)
        where T : unmanaged
    {
        var span = values.AsSpan();
        switch ((DataType)tensor.DataType)
        {
            case DataType.Float: CopyTyped(tensor, tensor.FloatData, MemoryMarshal.Cast<T, float>(span), static v => v); break;
            case DataType.Double: CopyTyped(tensor, tensor.DoubleData, MemoryMarshal.Cast<T, double>(span), static v => v); break;
            case DataType.Int64: CopyTyped(tensor, tensor.Int64Data, MemoryMarshal.Cast<T, long>(span), static v => v); break;
            case DataType.Uint64: CopyTyped(tensor, tensor.Uint64Data, MemoryMarshal.Cast<T, ulong>(span), static v => v); break;
            case DataType.Uint32: CopyTyped(tensor, tensor.Uint64Data, MemoryMarshal.Cast<T, uint>(span), static v => (uint)v); break;
            case DataType.Int32: CopyTyped(tensor, tensor.Int32Data, MemoryMarshal.Cast<T, int>(span), static v => v); break;
            case DataType.Int16: CopyTyped(tensor, tensor.Int32Data, MemoryMarshal.Cast<T, short>(span), static v => (short)v); break;
            case DataType.Uint16 or DataType.Float16 or DataType.Bfloat16:
                CopyTyped(tensor, tensor.Int32Data, MemoryMarshal.Cast<T, ushort>(span), static v => (ushort)v); break;
            case DataType.Int8: CopyTyped(tensor, tensor.Int32Data, MemoryMarshal.Cast<T, sbyte>(span), static v => (sbyte)v); break;
            case DataType.Uint8 or DataType.Bool:
                CopyTyped(tensor, tensor.Int32Data, MemoryMarshal.Cast<T, byte>(span), static v => (byte)v); break;
            default: throw Unsupported(tensor, "reading");
        }
    }

    private static void CopyTyped<TField, TElement>(TensorProto tensor, IList<TField> field, Span<TElement> destination, Func<TField, TElement> convert)
    {
        CheckRawLength(tensor, field.Count, destination.Length);
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = convert(field[i]);
        }
    }

    private static void WriteTyped<T>(TensorProto tensor, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        switch ((DataType)tensor.DataType)
        {
            case DataType.Float: Refill(tensor.FloatData, MemoryMarshal.Cast<T, float>(values), static v => v); break;
            case DataType.Double: Refill(tensor.DoubleData, MemoryMarshal.Cast<T, double>(values), static v => v); break;
            case DataType.Int64: Refill(tensor.Int64Data, MemoryMarshal.Cast<T, long>(values), static v => v); break;
            case DataType.Uint64: Refill(tensor.Uint64Data, MemoryMarshal.Cast<T, ulong>(values), static v => v); break;
            case DataType.Uint32: Refill(tensor.Uint64Data, MemoryMarshal.Cast<T, uint>(values), static v => v); break;
            case DataType.Int32: Refill(tensor.Int32Data, MemoryMarshal.Cast<T, int>(values), static v => v); break;
            case DataType.Int16: Refill(tensor.Int32Data, MemoryMarshal.Cast<T, short>(values), static v => v); break;
            case DataType.Uint16 or DataType.Float16 or DataType.Bfloat16:
                Refill(tensor.Int32Data, MemoryMarshal.Cast<T, ushort>(values), static v => v); break;
            case DataType.Int8: Refill(tensor.Int32Data, MemoryMarshal.Cast<T, sbyte>(values), static v => v); break;
            case DataType.Uint8 or DataType.Bool:
                Refill(tensor.Int32Data, MemoryMarshal.Cast<T, byte>(values), static v => v); break;
            default: throw Unsupported(tensor, "writing");
        }
    }

    private static void Refill<TField, TElement>(Google.Protobuf.Collections.RepeatedField<TField> field, ReadOnlySpan<TElement> values, Func<TElement, TField> convert)
    {
        field.Clear();
        field.Capacity = values.Length;
        foreach (var v in values)
        {
            field.Add(convert(v));
        }
    }

    private static void RequireNative<T>(TensorProto tensor)
        where T : unmanaged
    {
        var expected = NativeType((DataType)tensor.DataType);
        if (expected != typeof(T))
        {
            throw new ModelShieldException(
                ErrorCodes.UnsupportedTensorType,
                $"Tensor '{tensor.Name}' is {TensorElementTypes.Name(tensor.DataType)}; it cannot be accessed as {typeof(T).Name}"
                + (expected is null ? "." : $" (use {expected.Name})."));
        }
    }

    /// <summary>The .NET type that holds one element of an ONNX element type, or null when there is none.</summary>
    public static Type? NativeType(DataType dataType) => dataType switch
    {
        DataType.Float => typeof(float),
        DataType.Double => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.Bfloat16 => typeof(BFloat16),
        DataType.Int8 => typeof(sbyte),
        DataType.Uint8 => typeof(byte),
        DataType.Int16 => typeof(short),
        DataType.Uint16 => typeof(ushort),
        DataType.Int32 => typeof(int),
        DataType.Uint32 => typeof(uint),
        DataType.Int64 => typeof(long),
        DataType.Uint64 => typeof(ulong),
        DataType.Bool => typeof(bool),
        _ => null,
    };

    private static ModelShieldException Unsupported(TensorProto tensor, string operation) =>
        new(ErrorCodes.UnsupportedTensorType, $"Tensor '{tensor.Name}' is {TensorElementTypes.Name(tensor.DataType)}; {operation} it is not supported.");
}
