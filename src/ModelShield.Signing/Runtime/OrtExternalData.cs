using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using ModelShield.Errors;

namespace ModelShield.Signing.Runtime;

/// <summary>
/// Hands external data files held in memory to ONNX Runtime through the C API's
/// <c>AddExternalInitializersFromFilesInMemory</c>, which the managed package does not wrap. ONNX Runtime
/// then reads those bytes instead of the files named in the model.
/// </summary>
internal static unsafe partial class OrtExternalData
{
    // The function pointer table is append-only; this is the first API version that has the call.
    private const uint ApiVersion = 18;

    public static void Add(SessionOptions options, IReadOnlyList<(string Location, IntPtr Pointer, long Length)> files)
    {
        if (files.Count == 0)
        {
            return;
        }

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
