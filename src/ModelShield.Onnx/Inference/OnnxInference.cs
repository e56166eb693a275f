using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Tensors;

namespace ModelShield.Onnx.Inference;

/// <summary>
/// One ONNX Runtime session. Owns its native session and options; dispose it. Safe to call
/// <see cref="Run"/> from several threads at once (ONNX Runtime sessions are).
/// </summary>
public sealed class OnnxInference : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;

    private OnnxInference(InferenceSession session, SessionOptions options)
    {
        _session = session;
        _options = options;
        Inputs = Describe(session.InputMetadata);
        Outputs = Describe(session.OutputMetadata);
    }

    /// <summary>The model's inputs, in graph order.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; }

    /// <summary>The model's outputs, in graph order.</summary>
    public IReadOnlyList<TensorSpec> Outputs { get; }

    /// <summary>
    /// Opens a model file. Its external-data references are checked first (safe locations, ranges
    /// inside their files), so that ONNX Runtime never reads outside the model's folder.
    /// </summary>
    public static OnnxInference FromFile(string path, InferenceOptions? options = null)
    {
        options ??= InferenceOptions.Default;
        var model = OnnxModel.Load(path, options.ReadOptions);
        model.ValidateExternalData();
        return Create(o => new InferenceSession(model.SourcePath!, o), options);
    }

    /// <summary>Opens a model from its serialized bytes; the model must not use external data.</summary>
    public static OnnxInference FromBytes(byte[] modelBytes, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelBytes);
        options ??= InferenceOptions.Default;
        var model = OnnxModel.Parse(modelBytes, baseDirectory: null, options.ReadOptions);
        if (model.ExternalTensors().Any())
        {
            throw new ModelShieldException(
                ErrorCodes.ExternalDataWithoutFolder,
                "The model keeps tensors in external data files; open it from its file, or through the signing guard.");
        }

        return Create(o => new InferenceSession(modelBytes, o), options);
    }

    /// <summary>Opens a session with caller-prepared options (the signing guard adds in-memory external data).</summary>
    internal static OnnxInference Create(Func<SessionOptions, InferenceSession> open, InferenceOptions options, Action<SessionOptions>? configure = null)
    {
        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            if (options.IntraOpThreads > 0)
            {
                sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
            }

            configure?.Invoke(sessionOptions);
            return new OnnxInference(open(sessionOptions), sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            sessionOptions.Dispose();
            throw new ModelShieldException(ErrorCodes.InferenceFailed, $"ONNX Runtime refused the model: {ex.Message}", ex);
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model on named inputs and returns every output, in graph order.</summary>
    public IReadOnlyList<NamedTensor> Run(IReadOnlyList<NamedTensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var known = _session.InputMetadata;
        foreach (var input in inputs)
        {
            if (!known.ContainsKey(input.Name))
            {
                throw new ModelShieldException(
                    ErrorCodes.InferenceInputMismatch,
                    $"The model has no input '{input.Name}'; its inputs are: {string.Join(", ", known.Keys)}.");
            }
        }

        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var input in inputs)
            {
                values.Add(ToOrtValue(input));
            }

            var outputNames = _session.OutputNames;
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, inputs.Select(i => i.Name).ToList(), values, outputNames);
            return results.Select((value, i) => FromOrtValue(outputNames[i], value)).ToList();
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelShieldException(ErrorCodes.InferenceFailed, $"Inference failed: {ex.Message}", ex);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>Runs a single-input model on a float32 batch and returns its first output as float32.</summary>
    public NamedTensor RunFloat(float[] batch, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Run([NamedTensor.OfSingles(Inputs[0].Name, batch, shape)])[0];
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }

    private static OrtValue ToOrtValue(NamedTensor tensor) => tensor.Data switch
    {
        float[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        double[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        sbyte[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        byte[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        short[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        ushort[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        int[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        uint[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        long[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        ulong[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        bool[] a => OrtValue.CreateTensorValueFromMemory(a, tensor.Shape),
        // Same 16-bit layouts; ONNX Runtime has its own struct types for them.
        Half[] a => OrtValue.CreateTensorValueFromMemory(MemoryMarshal.Cast<Half, Float16>(a).ToArray(), tensor.Shape),
        Tensors.BFloat16[] a => OrtValue.CreateTensorValueFromMemory(
            MemoryMarshal.Cast<Tensors.BFloat16, Microsoft.ML.OnnxRuntime.BFloat16>(a).ToArray(), tensor.Shape),
        _ => throw new ModelShieldException(
            ErrorCodes.UnsupportedTensorType, $"Input '{tensor.Name}': arrays of {tensor.Data.GetType().GetElementType()?.Name} are not supported."),
    };

    private static NamedTensor FromOrtValue(string name, OrtValue value)
    {
        if (!value.IsTensor)
        {
            throw new ModelShieldException(ErrorCodes.UnsupportedTensorType, $"Output '{name}' is a {value.OnnxType}; only tensor outputs are supported.");
        }

        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        Array data = info.ElementDataType switch
        {
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int8 => value.GetTensorDataAsSpan<sbyte>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.UInt8 => value.GetTensorDataAsSpan<byte>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int16 => value.GetTensorDataAsSpan<short>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.UInt16 => value.GetTensorDataAsSpan<ushort>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.UInt32 => value.GetTensorDataAsSpan<uint>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.UInt64 => value.GetTensorDataAsSpan<ulong>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16 => MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>()).ToArray(),
            Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.BFloat16 => MemoryMarshal.Cast<Microsoft.ML.OnnxRuntime.BFloat16, Tensors.BFloat16>(
                value.GetTensorDataAsSpan<Microsoft.ML.OnnxRuntime.BFloat16>()).ToArray(),
            _ => throw new ModelShieldException(
                ErrorCodes.UnsupportedTensorType, $"Output '{name}' is {TensorElementTypes.Name((int)info.ElementDataType)}; it is not supported."),
        };
        return new NamedTensor(name, shape, data);
    }

    private static List<TensorSpec> Describe(IReadOnlyDictionary<string, NodeMetadata> metadata) =>
        metadata.Select(pair => Describe(pair.Key, pair.Value)).ToList();

    private static TensorSpec Describe(string name, NodeMetadata meta)
    {
        if (!meta.IsTensor)
        {
            return new TensorSpec(name, meta.OnnxValueType.ToString(), []);
        }

        var dims = meta.Dimensions.Select((d, i) =>
            d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : !string.IsNullOrEmpty(meta.SymbolicDimensions[i]) ? meta.SymbolicDimensions[i] : "?").ToList();
        return new TensorSpec(name, TensorElementTypes.Name((int)meta.ElementDataType), dims);
    }
}
