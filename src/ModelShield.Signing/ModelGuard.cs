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
    /// <remarks>
    /// Once the signature, the statement and the .onnx file itself have verified, the session is built while the
    /// external data is still being hashed, from the bytes already in memory. ONNX Runtime takes those bytes as
    /// plain tensor values; the session is thrown away unless every file then verifies.
    /// </remarks>
    public static GuardedSession Open(string onnxPath, TrustPolicy policy, GuardOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        options ??= new GuardOptions();
        var onnx = Path.GetFullPath(onnxPath);
        var signed = options.SignedPath ?? Path.GetDirectoryName(onnx)!;
        MemoryContentReader? memory = null;
        Task<BuiltSession>? early = null;
        try
        {
            var result = ModelVerifier.Verify(
                new VerifyRequest { ModelPath = signed, SignaturePath = options.SignaturePath, Policy = policy, IgnorePaths = options.IgnorePaths },
                files => memory = MemoryContentReader.Allocate(files),
                verified =>
                {
                    if (verified == onnx)
                    {
                        var bytes = memory!;
                        early = Task.Factory.StartNew(
                            () =>
                            {
                                bytes.AllRead.GetAwaiter().GetResult();
                                return Build(onnx, bytes, options.ConfigureSession);
                            },
                            CancellationToken.None,
                            TaskCreationOptions.LongRunning,
                            TaskScheduler.Default);
                    }
                });
            if (!result.Verified || memory is null || !memory.AllHashed)
            {
                throw new ModelVerificationException(result);
            }

            BuiltSession built;
            try
            {
                built = early is null ? Build(onnx, memory, options.ConfigureSession) : early.GetAwaiter().GetResult();
            }
            catch (UncoveredFileException ex)
            {
                throw NotCovered(result, ex.File == onnx ? onnxPath : ex.File);
            }

            early = null;
            var guarded = new GuardedSession(built.Session, result, [.. built.Backing, memory]);
            memory = null;
            return guarded;
        }
        finally
        {
            // On failure: release a build still waiting for bytes that will never all arrive, and discard what it made.
            memory?.StopWaiting();
            Discard(early);
            memory?.Dispose();
        }
    }

    /// <summary>
    /// Builds the session for the model file <paramref name="onnx"/> from <paramref name="memory"/> alone: the model's
    /// bytes and every external tensor come from there, never from disk. The caller owns what is returned, and must keep
    /// <paramref name="memory"/> alive for as long as the session.
    /// </summary>
    internal static BuiltSession Build(string onnx, MemoryContentReader memory, Action<SessionOptions>? configure)
    {
        if (!memory.TryGetArray(onnx, out var modelBytes))
        {
            throw new UncoveredFileException(onnx);
        }

        var folder = Path.GetDirectoryName(onnx)!;
        var tensors = ExternalDataReferences.Tensors(modelBytes, onnx);
        var files = new Dictionary<string, (IntPtr, long)>(StringComparer.Ordinal);
        foreach (var location in tensors.Select(t => t.Data.Location).Distinct(StringComparer.Ordinal))
        {
            var full = SafePath.ResolveInside(folder, location, "External data", ErrorCodes.UnsafeExternalDataPath);
            if (!memory.TryGet(full, out var pointer, out var length))
            {
                throw new UncoveredFileException(location);
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

            // Disposed after the session in this order: the options, then the tensors over the verified bytes.
            return new BuiltSession(session, [options, .. initializers]);
        }
        catch (OnnxRuntimeException ex)
        {
            Release([options, .. initializers]);
            throw new ModelShieldException(ErrorCodes.InferenceFailed, $"ONNX Runtime refused the verified model '{onnx}': {ex.Message}", ex);
        }
        catch
        {
            Release([options, .. initializers]);
            throw;
        }
    }

    private static void Discard(Task<BuiltSession>? early)
    {
        if (early is null)
        {
            return;
        }

        try
        {
            var built = early.GetAwaiter().GetResult();
            built.Session.Dispose();
            Release(built.Backing);
        }
        catch (Exception)
        {
            // The verdict the caller gets is the verification's; what the discarded build thought does not matter.
        }
    }

    private static void Release(IEnumerable<IDisposable> owned)
    {
        foreach (var value in owned)
        {
            value.Dispose();
        }
    }

    private static ModelVerificationException NotCovered(VerificationResult result, string what) =>
        new(result with
        {
            Issues = [.. result.Issues, new VerificationIssue(ErrorCodes.FileUnsigned, $"'{what}' is not covered by the signature, so it is never loaded.", what)],
        });

    /// <summary>A session and what it reads from besides the verified bytes (options, tensors over those bytes), to dispose after it in order.</summary>
    internal sealed record BuiltSession(InferenceSession Session, IReadOnlyList<IDisposable> Backing);

    /// <summary>A file the session needs but the verification did not cover (so it was never read).</summary>
    private sealed class UncoveredFileException(string file) : Exception($"'{file}' is not covered by the signature.")
    {
        public string File { get; } = file;
    }
}
