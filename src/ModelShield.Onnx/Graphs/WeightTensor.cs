using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;

namespace ModelShield.Onnx.Graphs;

/// <summary>A float initializer's values and shape, edited in memory and written back into the model.</summary>
internal sealed class WeightTensor
{
    private WeightTensor(TensorProto proto, float[] values, long[] dims)
    {
        Proto = proto;
        Values = values;
        Dims = dims;
    }

    public TensorProto Proto { get; }

    public float[] Values { get; private set; }

    public long[] Dims { get; private set; }

    public string Name => Proto.Name;

    public static WeightTensor Read(OnnxModel model, TensorProto proto)
    {
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new ModelShieldException(ErrorCodes.InvalidAttackArguments, $"Initializer '{proto.Name}' is {TensorElementTypes.Name(proto.DataType)}; the attacks edit float32 weights.");
        }

        return new WeightTensor(proto, TensorData.Read<float>(model, proto), proto.Dims.ToArray());
    }

    /// <summary>
    /// Writes the values back. The same shape keeps the tensor's storage form; a new shape (dummy neurons)
    /// stores the tensor inline, since its old external byte range no longer fits.
    /// </summary>
    public void Write(OnnxModel model)
    {
        if (Proto.Dims.SequenceEqual(Dims))
        {
            TensorData.Write<float>(model, Proto, Values);
            return;
        }

        Proto.Dims.Clear();
        Proto.Dims.AddRange(Dims);
        Proto.ExternalData.Clear();
        Proto.DataLocation = TensorProto.Types.DataLocation.Default;
        Proto.FloatData.Clear();
        Proto.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Values.AsSpan()));
    }

    /// <summary>
    /// Rebuilds the tensor along <paramref name="axis"/> from a map of new positions to old ones, each
    /// position covering <paramref name="block"/> consecutive entries of that axis; a source of -1 takes values from <paramref name="fill"/>.
    /// </summary>
    public void Select(int axis, int[] source, long block, Func<float> fill)
    {
        var outer = Dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        var inner = Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b) * block;
        var oldCount = Dims[axis] / block;
        var result = new float[outer * source.Length * inner];
        for (long o = 0; o < outer; o++)
        {
            for (var i = 0; i < source.Length; i++)
            {
                var to = ((o * source.Length) + i) * inner;
                if (source[i] < 0)
                {
                    for (long j = 0; j < inner; j++)
                    {
                        result[to + j] = fill();
                    }
                }
                else
                {
                    Array.Copy(Values, ((o * oldCount) + source[i]) * inner, result, to, inner);
                }
            }
        }

        Values = result;
        Dims[axis] = source.Length * block;
    }

    /// <summary>Multiplies each position along <paramref name="axis"/> (blocks of <paramref name="block"/> entries) by its factor.</summary>
    public void Scale(int axis, float[] factors, long block)
    {
        var outer = Dims.Take(axis).Aggregate(1L, (a, b) => a * b);
        var inner = Dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b) * block;
        for (long o = 0; o < outer; o++)
        {
            for (var c = 0; c < factors.Length; c++)
            {
                var start = ((o * factors.Length) + c) * inner;
                for (long j = 0; j < inner; j++)
                {
                    Values[start + j] *= factors[c];
                }
            }
        }
    }
}
