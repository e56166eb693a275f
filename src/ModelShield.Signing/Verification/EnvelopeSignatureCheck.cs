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

        var pae = Pae.Encode(bundle.PayloadType, bundle.Payload);
        var key = context.CandidateKeys.FirstOrDefault(k => KeyAlgorithms.Verify(k, pae, bundle.Signatures[0]));
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
