using Microsoft.ML.OnnxRuntime;

namespace ModelShield.Signing;

/// <summary>An ONNX Runtime session built from verified bytes, with the verification that allowed it.</summary>
public sealed class GuardedSession : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _backing;

    /// <param name="session">The session.</param>
    /// <param name="verification">The verification that passed.</param>
    /// <param name="backing">What the session reads from (verified bytes, initializers over them), disposed after it, in order.</param>
    internal GuardedSession(InferenceSession session, VerificationResult verification, IReadOnlyList<IDisposable> backing)
    {
        Session = session;
        Verification = verification;
        _backing = backing;
    }

    /// <summary>The session; run it as any other.</summary>
    public InferenceSession Session { get; }

    /// <summary>The verification that passed before the session was created.</summary>
    public VerificationResult Verification { get; }

    /// <summary>Disposes the session, then frees the verified bytes it was built from.</summary>
    public void Dispose()
    {
        Session.Dispose();
        foreach (var item in _backing)
        {
            item.Dispose();
        }
    }
}
