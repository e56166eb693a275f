using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Executor;

/// <summary>Runs a model with ONNX Runtime on TorchSharp tensors, as the reference the executor must match.</summary>
internal static class OrtReference
{
    public static Dictionary<string, Tensor> Run(byte[] model, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        var values = inputs.ToDictionary(p => p.Key, p => ToOrt(p.Value));
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, values, session.OutputNames);
            return session.OutputNames.Select((name, i) => (name, value: FromOrt(results[i]))).ToDictionary(p => p.name, p => p.value);
        }
        finally
        {
            foreach (var value in values.Values)
            {
                value.Dispose();
            }
        }
    }

    private static OrtValue ToOrt(Tensor t)
    {
        using var c = t.detach().contiguous();
        var shape = c.shape;
        return c.dtype switch
        {
            ScalarType.Float32 => OrtValue.CreateTensorValueFromMemory(c.data<float>().ToArray(), shape),
            ScalarType.Int64 => OrtValue.CreateTensorValueFromMemory(c.data<long>().ToArray(), shape),
            ScalarType.Int32 => OrtValue.CreateTensorValueFromMemory(c.data<int>().ToArray(), shape),
            ScalarType.Bool => OrtValue.CreateTensorValueFromMemory(c.data<bool>().ToArray(), shape),
            _ => throw new NotSupportedException($"No ORT conversion for {c.dtype} in the tests."),
        };
    }

    private static Tensor FromOrt(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        return info.ElementDataType switch
        {
            TensorElementType.Float => torch.tensor(value.GetTensorDataAsSpan<float>().ToArray(), shape),
            TensorElementType.Int64 => torch.tensor(value.GetTensorDataAsSpan<long>().ToArray(), shape),
            TensorElementType.Int32 => torch.tensor(value.GetTensorDataAsSpan<int>().ToArray(), shape),
            TensorElementType.Bool => torch.tensor(value.GetTensorDataAsSpan<bool>().ToArray(), shape),
            _ => throw new NotSupportedException($"No conversion from ORT {info.ElementDataType} in the tests."),
        };
    }
}
