using Microsoft.ML.OnnxRuntime;
using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Onnx.Files;
using ModelShield.Signing.Runtime;

namespace ModelShield.Signing;

/// <summary>
/// Opens an ONNX Runtime session only for a model whose signature verifies under a trust policy. Every file is
/// read once into memory and hashed there, and the session is built from those same bytes (external data
/// included), so a file swapped on disk after the check is never loaded.
/// </summary>
public static class ModelGuard
{
    /// <summary>
    /// Verifies the model that contains <paramref name="onnxPath"/> and opens a session from the verified bytes.
    /// Throws <see cref="ModelVerificationException"/> (with the full result) when verification fails.
    /// </summary>
    public static GuardedSession Open(string onnxPath, TrustPolicy policy, GuardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        options ??= new GuardOptions();
        var onnx = Path.GetFullPath(onnxPath);
        var signed = options.SignedPath ?? Path.GetDirectoryName(onnx)!;
        MemoryContentReader? memory = null;
        try
        {
            var result = ModelVerifier.Verify(
                new VerifyRequest { ModelPath = signed, SignaturePath = options.SignaturePath, Policy = policy, IgnorePaths = options.IgnorePaths },
                files => memory = MemoryContentReader.Allocate(files));
            if (!result.Verified || memory is null)
            {
                throw new ModelVerificationException(result);
            }

            var guarded = CreateSession(onnx, memory, options.ConfigureSession, what => NotCovered(result, what == onnx ? onnxPath : what), result);
            memory = null;
            return guarded;
        }
        finally
        {
            memory?.Dispose();
        }
    }

    /// <summary>
    /// Builds the session for the model file <paramref name="onnx"/> from <paramref name="memory"/> alone: the model's
    /// bytes and every external tensor come from there, never from disk. On success the session owns <paramref name="memory"/>.
    /// </summary>
    internal static GuardedSession CreateSession(string onnx, MemoryContentReader memory, Action<SessionOptions>? configure, Func<string, Exception> notCovered, VerificationResult result)
    {
        if (!memory.TryGetArray(onnx, out var modelBytes))
        {
            throw notCovered(onnx);
        }

        var folder = Path.GetDirectoryName(onnx)!;
        var tensors = ExternalDataReferences.Tensors(modelBytes, onnx);
        var files = new Dictionary<string, (IntPtr, long)>(StringComparer.Ordinal);
        foreach (var location in tensors.Select(t => t.Data.Location).Distinct(StringComparer.Ordinal))
        {
            var full = SafePath.ResolveInside(folder, location, "External data", ErrorCodes.UnsafeExternalDataPath);
            if (!memory.TryGet(full, out var pointer, out var length))
            {
                throw notCovered(location);
            }

            files[location] = (pointer, length);
        }

        var options = new SessionOptions();
        IReadOnlyList<IDisposable> initializers = [];
        try
        {
            configure?.Invoke(options);
            initializers = OrtExternalData.Add(options, folder, tensors, files);
            var session = new InferenceSession(modelBytes, options);

            // Disposed after the session in this order: the options, the tensors over the verified bytes, those bytes.
            return new GuardedSession(session, result, [options, .. initializers, memory]);
        }
        catch (OnnxRuntimeException ex)
        {
            Release(options, initializers);
            throw new ModelShieldException(ErrorCodes.InferenceFailed, $"ONNX Runtime refused the verified model '{onnx}': {ex.Message}", ex);
        }
        catch
        {
            Release(options, initializers);
            throw;
        }
    }

    private static void Release(SessionOptions options, IReadOnlyList<IDisposable> initializers)
    {
        options.Dispose();
        foreach (var value in initializers)
        {
            value.Dispose();
        }
    }

    private static ModelVerificationException NotCovered(VerificationResult result, string what) =>
        new(result with
        {
            Issues = [.. result.Issues, new VerificationIssue(ErrorCodes.FileUnsigned, $"'{what}' is not covered by the signature, so it is never loaded.", what)],
        });
}
