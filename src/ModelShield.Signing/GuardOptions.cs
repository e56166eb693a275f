using Microsoft.ML.OnnxRuntime;

namespace ModelShield.Signing;

/// <summary>Options of <see cref="ModelGuard.Open"/>.</summary>
public sealed record GuardOptions
{
    /// <summary>What was signed: the model's folder (default) or the .onnx file itself.</summary>
    public string? SignedPath { get; init; }

    /// <summary>The bundle; default <c>model.sig</c> beside what was signed.</summary>
    public string? SignaturePath { get; init; }

    /// <summary>Extra paths to leave out of verification (they are never loaded).</summary>
    public IReadOnlyList<string> IgnorePaths { get; init; } = [];

    /// <summary>
    /// Sets ONNX Runtime session options (threads, execution providers, optimisation level) on the options the guard
    /// creates for each session; the guard then adds the verified external data to them, so they are never shared.
    /// It may run on a thread of the guard's own, while the last files are still being hashed.
    /// </summary>
    public Action<SessionOptions>? ConfigureSession { get; init; }
}
