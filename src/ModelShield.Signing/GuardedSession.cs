using Microsoft.ML.OnnxRuntime;
using ModelShield.Signing.Runtime;

namespace ModelShield.Signing;

/// <summary>An ONNX Runtime session built from verified bytes, with the verification that allowed it.</summary>
public sealed class GuardedSession : IDisposable
{
    private readonly MemoryContentReader _bytes;

    internal GuardedSession(InferenceSession session, VerificationResult verification, MemoryContentReader bytes)
    {
        Session = session;
        Verification = verification;
        _bytes = bytes;
    }

    /// <summary>The session; run it as any other.</summary>
    public InferenceSession Session { get; }

    /// <summary>The verification that passed before the session was created.</summary>
    public VerificationResult Verification { get; }

    /// <summary>Disposes the session, then frees the verified bytes it was built from.</summary>
    public void Dispose()
    {
        Session.Dispose();
        _bytes.Dispose();
    }
}
