using System.Security.Cryptography.X509Certificates;
using ModelShield.Errors;
using ModelShield.Signing.Cms;

namespace ModelShield.Signing.Verification;

/// <summary>
/// Verifies the detached CMS signature (<c>SIG.p7s</c>) when present: over the same statement, with its RFC 3161
/// timestamp, which then proves the signing time used for the chain check. Fails when the policy requires a
/// timestamp and there is none.
/// </summary>
internal sealed class CmsTimestampCheck : IVerificationCheck
{
    public bool Run(VerificationContext context)
    {
        var path = context.SignaturePath + ".p7s";
        if (File.Exists(path))
        {
            var roots = context.Policy.TimestampRoots.Count > 0 ? context.Policy.TimestampRoots : context.Policy.Roots;
            var outcome = CmsSignature.Verify(File.ReadAllBytes(path), context.Bundle!.Payload, roots);
            if (outcome.Issues.Count > 0)
            {
                context.Issues.AddRange(outcome.Issues);
                return false;
            }

            context.CmsSignerKey = outcome.Signer!.GetECDsaPublicKey();
            context.SignedAt = outcome.SignedAt;
            context.TimestampAuthority = outcome.TimestampAuthority;
        }

        if (context.Policy.RequireTimestamp && context.SignedAt is null)
        {
            context.Fail(ErrorCodes.TimestampMissing, $"The trust policy requires an RFC 3161 timestamp, and '{Path.GetFileName(path)}' {(File.Exists(path) ? "carries none" : "does not exist")}.");
            return false;
        }

        return true;
    }
}
