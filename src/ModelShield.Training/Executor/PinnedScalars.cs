using TorchSharp;

namespace ModelShield.Training.Executor;

/// <summary>
/// Scalars that live as long as the process, for calls that would otherwise make a temporary one.
/// </summary>
/// <remarks>
/// TorchSharp's <c>add(tensor)</c>, <c>add_(scalar)</c> and friends pass an implicit <c>1</c> as a temporary
/// <see cref="Scalar"/>; a collection on another thread can finalize it while the native call still reads it.
/// A static field is a root, so these are never finalized.
/// </remarks>
internal static class PinnedScalars
{
    public static readonly Scalar One = 1.ToScalar();
}
