using ModelShield.Errors;

namespace ModelShield.Signing.Verification;

/// <summary>Refuses a bundle whose method the policy does not allow (a key bundle where a certificate is required, and the reverse).</summary>
internal sealed class MethodPolicyCheck : IVerificationCheck
{
    public bool Run(VerificationContext context)
    {
        var method = context.Bundle!.Method;
        if (context.Policy.AllowedMethods.Contains(method))
        {
            return true;
        }

        var allowed = string.Join(", ", context.Policy.AllowedMethods.Select(m => m.ToString().ToLowerInvariant()));
        context.Fail(ErrorCodes.MethodNotAllowed,
            $"The bundle uses the {method.ToString().ToLowerInvariant()} method, but the trust policy allows only: {(allowed.Length == 0 ? "none" : allowed)}.",
            expected: allowed, actual: method.ToString().ToLowerInvariant());
        return false;
    }
}
