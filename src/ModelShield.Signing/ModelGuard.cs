using Microsoft.ML.OnnxRuntime;
using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Onnx.Files;
using ModelShield.Signing.Runtime;

namespace ModelShield.Signing;

/// <summary>
/// Opens an ONNX Runtime session only for a model whose signature verifies under a trust policy. Every file is
/// read once into memory, hashed there, and the session is built from those same bytes (external data
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
                files => memory = MemoryContentReader.Load(files));
            if (!result.Verified || memory is null)
            {
                throw new ModelVerificationException(result);
            }

            if (!memory.TryGet(onnx, out var modelPointer, out var modelLength))
            {
                throw NotCovered(result, onnxPath);
            }

            var modelBytes = Copy(modelPointer, modelLength);

            var model = OnnxModel.Parse(modelBytes, Path.GetDirectoryName(onnx));
            var external = new List<(string, IntPtr, long)>();
            foreach (var location in model.ExternalDataLocations())
            {
                var full = SafePath.ResolveInside(Path.GetDirectoryName(onnx)!, location, "External data", ErrorCodes.UnsafeExternalDataPath);
                if (!memory.TryGet(full, out var pointer, out var length))
                {
                    throw NotCovered(result, location);
                }

                external.Add((location, pointer, length));
            }

            var sessionOptions = options.SessionOptions ?? new SessionOptions();
            OrtExternalData.Add(sessionOptions, external);
            InferenceSession session;
            try
            {
                session = new InferenceSession(modelBytes, sessionOptions);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new ModelShieldException(ErrorCodes.InferenceFailed, $"ONNX Runtime refused the verified model '{onnxPath}': {ex.Message}", ex);
            }

            var guarded = new GuardedSession(session, result, memory);
            memory = null;
            return guarded;
        }
        finally
        {
            memory?.Dispose();
        }
    }

    private static unsafe byte[] Copy(IntPtr pointer, long length) => new ReadOnlySpan<byte>((void*)pointer, checked((int)length)).ToArray();

    private static ModelVerificationException NotCovered(VerificationResult result, string what) =>
        new(result with
        {
            Issues = [.. result.Issues, new VerificationIssue(ErrorCodes.FileUnsigned, $"'{what}' is not covered by the signature, so it is never loaded.", what)],
        });
}
