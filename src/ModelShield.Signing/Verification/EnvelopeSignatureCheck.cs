using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Signing.Oms;

namespace ModelShield.Signing.Verification;

/// <summary>Checks the one DSSE signature over the pre-authentication encoding with the signer's key.</summary>
internal sealed class EnvelopeSignatureCheck : IVerificationCheck
{
    public bool Run(VerificationContext context)
    {
        var bundle = context.Bundle!;
        if (bundle.Signatures.Count != 1)
        {
            context.Fail(ErrorCodes.SignatureMissing, bundle.Signatures.Count == 0
                ? "The bundle carries no signature (the DSSE envelope's signatures are missing or stripped)."
                : $"The bundle carries {bundle.Signatures.Count} signatures; an OMS bundle carries exactly one.");
            return false;
        }

        // model_signing v0.2 signed its own variant of the PAE, with SHA-256 whatever the curve; its statements (and only
        // those) are checked that way. The policy decides later whether the legacy predicate is accepted at all.
        Func<ECDsa, bool> verifies = context.Statement!.IsLegacy
            ? k => KeyAlgorithms.Verify(k, LegacyPae.Encode(bundle.PayloadType, bundle.Payload), bundle.Signatures[0], HashAlgorithmName.SHA256)
            : k => KeyAlgorithms.Verify(k, Pae.Encode(bundle.PayloadType, bundle.Payload), bundle.Signatures[0]);
        var key = context.CandidateKeys.FirstOrDefault(verifies);
        if (key is null)
        {
            context.Fail(ErrorCodes.SignatureInvalid, bundle.Method == SigningMethod.Key
                ? "Bad signature: the DSSE signature does not verify over the statement with the trusted public key."
                : $"Bad signature: the DSSE signature does not verify over the statement with the key of '{context.Leaf?.Subject}'.");
            return false;
        }

        if (bundle.Method == SigningMethod.Key)
        {
            context.Signer = $"key {KeyAlgorithms.Hint(key)}";
        }

        if (context.CmsSignerKey is { } cmsKey && !KeyAlgorithms.SameKey(cmsKey, key))
        {
            context.Fail(ErrorCodes.CmsSignatureInvalid, "The detached CMS signature was made by another key than the bundle's signature.");
            return false;
        }

        return true;
    }
}
