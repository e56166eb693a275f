using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelShield.Training.Runtime;

/// <summary>
/// Keeps libtorch's oneDNN kernels at AVX2 unless the user chose an instruction set. With its AVX-512 kernels
/// (libtorch 2.10, measured on an AMD EPYC with AVX-512), a float32 Conv with 40 input channels and a batch of 100 or more
/// returns wrong values and NaN (errors up to 24 on outputs of about 20; 32 or 64 channels are right). Lab models
/// widened by the dummy-neurons attack have such layers, so their accuracy and training went wrong unnoticed.
/// </summary>
internal static partial class OneDnnIsaLimit
{
    /// <summary>oneDNN's variable, read once when it first picks a kernel; the older DNNL_ name is honoured too.</summary>
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    private const string LegacyVariable = "DNNL_MAX_CPU_ISA";

    public const string Limit = "AVX2";

    /// <summary>
    /// Runs when the lab's assembly loads, which is before any TorchSharp call: only this assembly uses TorchSharp.
    /// It sets the native environment (the managed one is a copy native code does not read), never overriding a user's value.
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "The limit must be in place before oneDNN reads it at the first native call, whichever lab entry point comes first.")]
    internal static void Apply()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null && Environment.GetEnvironmentVariable(LegacyVariable) is null)
        {
            _ = SetEnvironment(Variable, Limit, 0);
        }
    }

    /// <summary>The value native code sees (null when unset).</summary>
    public static string? Effective() => Marshal.PtrToStringUTF8(GetEnvironment(Variable));

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnvironment(string name);
}
