using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelShield.Errors;
using ModelShield.Onnx.Files;

namespace ModelShield.Signing.Runtime;

/// <summary>
/// Hands ONNX Runtime a model's external tensors from verified memory, so that it never reads them from disk.
/// </summary>
/// <remarks>
/// Two ways, fastest first. When every external tensor is a plain initializer of the main graph, each becomes an
/// <see cref="OrtValue"/> over the verified bytes, added with <c>AddInitializer</c>: ONNX Runtime uses that memory as
/// it is (measured on a 500 MB model: session creation as fast as from a path). It still checks that each named file
/// exists in the model's folder (<c>session.model_external_initializers_file_folder_path</c>) but reads none of them.
/// Anything else (subgraphs, sparse or attribute tensors, odd offsets) goes through the C API's
/// <c>AddExternalInitializersFromFilesInMemory</c>, which the managed package does not wrap; ONNX Runtime copies
/// those bytes, twice as slow, but still takes them from memory and never from the file named in the model.
/// </remarks>
internal static unsafe partial class OrtExternalData
{
    private const string ExternalFolderKey = "session.model_external_initializers_file_folder_path";

    // The function pointer table is append-only; this is the first API version that has the in-memory files call.
    private const uint ApiVersion = 18;

    /// <summary>
    /// Adds <paramref name="tensors"/> to <paramref name="options"/>, their files' bytes coming from <paramref name="files"/>
    /// (keyed by location as written in the model, one entry per location the tensors name). Returns what the session
    /// reads and must outlive it.
    /// </summary>
    public static IReadOnlyList<IDisposable> Add(
        SessionOptions options, string modelFolder, IReadOnlyList<ExternalTensorReference> tensors, IReadOnlyDictionary<string, (IntPtr Pointer, long Length)> files)
    {
        if (tensors.Count == 0)
        {
            return [];
        }

        var views = new List<(ExternalTensorReference Tensor, IntPtr Pointer, long Bytes)>();
        foreach (var tensor in tensors)
        {
            if (!TryView(tensor, files[tensor.Data.Location], out var pointer, out var bytes))
            {
                AddFilesInMemory(options, [.. files.Select(f => (f.Key, f.Value.Pointer, f.Value.Length))]);
                return [];
            }

            views.Add((tensor, pointer, bytes));
        }

        options.AddSessionConfigEntry(ExternalFolderKey, modelFolder);
        var values = new List<IDisposable>();
        try
        {
            foreach (var (tensor, pointer, bytes) in views)
            {
                var value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, (TensorElementType)tensor.DataType, [.. tensor.Dims], pointer, bytes);
                values.Add(value);
                options.AddInitializer(tensor.Name, value);
            }

            return values;
        }
        catch
        {
            values.ForEach(v => v.Dispose());
            throw;
        }
    }

    /// <summary>The tensor's bytes inside its file's memory, when it can be handed over as it is: a main-graph initializer of a fixed-size type, aligned, within the file.</summary>
    private static bool TryView(ExternalTensorReference tensor, (IntPtr Pointer, long Length) file, out IntPtr pointer, out long bytes)
    {
        (pointer, bytes) = (IntPtr.Zero, 0);
        var size = ElementSize(tensor.DataType);
        if (!tensor.IsMainGraphInitializer || size == 0 || tensor.Dims.Any(d => d < 0) || tensor.Data.Offset % size != 0)
        {
            return false;
        }

        var count = 1L;
        foreach (var d in tensor.Dims)
        {
            if (d != 0 && count > long.MaxValue / d / size)
            {
                return false;
            }

            count *= d;
        }

        bytes = count * size;
        if ((tensor.Data.Length is { } declared && declared != bytes) || tensor.Data.Offset > file.Length || bytes > file.Length - tensor.Data.Offset)
        {
            return false;
        }

        pointer = file.Pointer + (nint)tensor.Data.Offset;
        return true;
    }

    // Bytes per element of the ONNX data types whose numbers ONNX Runtime's TensorElementType shares; 0 for the rest
    // (strings, complex and packed 4-bit types), which take the copying way.
    private static int ElementSize(int dataType) => dataType switch
    {
        2 or 3 or 9 => 1,              // uint8, int8, bool
        4 or 5 or 10 or 16 => 2,       // uint16, int16, float16, bfloat16
        1 or 6 or 12 => 4,             // float, int32, uint32
        7 or 11 or 13 => 8,            // int64, double, uint64
        _ => 0,
    };

    private static void AddFilesInMemory(SessionOptions options, IReadOnlyList<(string Location, IntPtr Pointer, long Length)> files)
    {
        var api = Api();
        var add = (delegate* unmanaged<IntPtr, IntPtr*, IntPtr*, nuint*, nuint, IntPtr>)Slot(api, "AddExternalInitializersFromFilesInMemory");
        var names = new IntPtr[files.Count];
        var buffers = new IntPtr[files.Count];
        var lengths = new nuint[files.Count];
        var added = false;
        options.DangerousAddRef(ref added);
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                names[i] = OperatingSystem.IsWindows() ? Marshal.StringToCoTaskMemUni(files[i].Location) : Marshal.StringToCoTaskMemUTF8(files[i].Location);
                buffers[i] = files[i].Pointer;
                lengths[i] = (nuint)files[i].Length;
            }

            fixed (IntPtr* n = names, b = buffers)
            fixed (nuint* l = lengths)
            {
                var status = add(options.DangerousGetHandle(), n, b, l, (nuint)files.Count);
                if (status != IntPtr.Zero)
                {
                    var message = Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr, IntPtr>)Slot(api, "GetErrorMessage"))(status));
                    ((delegate* unmanaged<IntPtr, void>)Slot(api, "ReleaseStatus"))(status);
                    throw new ModelShieldException(ErrorCodes.InferenceFailed, $"ONNX Runtime refused the verified external data: {message}");
                }
            }
        }
        finally
        {
            foreach (var name in names.Where(n => n != IntPtr.Zero))
            {
                Marshal.FreeCoTaskMem(name);
            }

            if (added)
            {
                options.DangerousRelease();
            }
        }
    }

    private static IntPtr Api()
    {
        var apiBase = OrtGetApiBase();
        var getApi = *(delegate* unmanaged<uint, IntPtr>*)apiBase;
        var api = getApi(ApiVersion);
        return api != IntPtr.Zero ? api : throw new ModelShieldException(ErrorCodes.InferenceFailed, "The loaded ONNX Runtime is too old for in-memory external data (API 18 needed).");
    }

    /// <summary>The function pointer named <paramref name="field"/> of the OrtApi table, located through the managed package's own mirror of that table.</summary>
    private static IntPtr Slot(IntPtr api, string field)
    {
        var table = typeof(SessionOptions).Assembly.GetType("Microsoft.ML.OnnxRuntime.OrtApi")
            ?? throw new ModelShieldException(ErrorCodes.InferenceFailed, "This ONNX Runtime package does not describe its C API table.");
        var offset = Marshal.OffsetOf(table, field);
        return *(IntPtr*)((byte*)api + offset);
    }

    [LibraryImport("onnxruntime")]
    private static partial IntPtr OrtGetApiBase();
}
