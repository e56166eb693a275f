using ModelShield.Errors;

namespace ModelShield.Signing;

/// <summary>Thrown by <see cref="ModelGuard"/> when a model does not verify; carries the full result.</summary>
public sealed class ModelVerificationException : ModelShieldException
{
    /// <summary>Creates the exception for a failed verification.</summary>
    public ModelVerificationException(VerificationResult result)
        : base(ErrorCodes.ModelNotVerified, Describe(result))
    {
        Result = result;
    }

    /// <summary>The verification result, with every issue found.</summary>
    public VerificationResult Result { get; }

    private static string Describe(VerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var first = result.Issues.Count > 0 ? result.Issues[0].Message : "unknown reason";
        return $"Model '{result.ModelPath}' did not verify ({result.Issues.Count} issue(s); first: {first})";
    }
}
