using ModelShield.Onnx.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Executor;

/// <summary>Runs a model with ONNX Runtime (through ModelShield.Onnx's inference wrapper) on TorchSharp tensors: the reference the executor must match.</summary>
internal static class OrtReference
{
    public static Dictionary<string, Tensor> Run(byte[] model, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var session = OnnxInference.FromBytes(model);
        var outputs = session.Run(inputs.Select(p => ToNamed(p.Key, p.Value)).ToList());
        return outputs.ToDictionary(o => o.Name, FromNamed);
    }

    private static NamedTensor ToNamed(string name, Tensor t)
    {
        using var c = t.detach().contiguous();
        Array data = c.dtype switch
        {
            ScalarType.Float32 => c.data<float>().ToArray(),
            ScalarType.Int64 => c.data<long>().ToArray(),
            ScalarType.Int32 => c.data<int>().ToArray(),
            ScalarType.Bool => c.data<bool>().ToArray(),
            _ => throw new NotSupportedException($"No ORT conversion for {c.dtype} in the tests."),
        };
        return new NamedTensor(name, c.shape, data);
    }

    private static Tensor FromNamed(NamedTensor t) => t.Data switch
    {
        float[] f => torch.tensor(f, t.Shape),
        long[] l => torch.tensor(l, t.Shape),
        int[] i => torch.tensor(i, t.Shape),
        bool[] b => torch.tensor(b, t.Shape),
        _ => throw new NotSupportedException($"No conversion from {t.Data.GetType().Name} in the tests."),
    };
}
