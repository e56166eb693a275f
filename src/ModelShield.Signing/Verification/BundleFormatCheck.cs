using ModelShield.Errors;
using ModelShield.Signing.Oms;

namespace ModelShield.Signing.Verification;

/// <summary>Reads the bundle and its statement; anything it cannot parse is a malformed bundle.</summary>
internal sealed class BundleFormatCheck : IVerificationCheck
{
    public bool Run(VerificationContext context)
    {
        byte[] bytes;
        try
        {
            var length = new FileInfo(context.SignaturePath).Length;
            if (length > SigstoreBundle.MaxBundleBytes)
            {
                context.Fail(ErrorCodes.SignatureBundleMalformed, $"Malformed signature bundle: {length} bytes is over the limit of {SigstoreBundle.MaxBundleBytes}.");
                return false;
            }

            bytes = File.ReadAllBytes(context.SignaturePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read signature '{context.SignaturePath}': {ex.Message}", ex);
        }

        var bundle = SigstoreBundle.Parse(bytes);
        if (bundle.PayloadType != SigstoreBundle.InTotoPayloadType)
        {
            context.Fail(ErrorCodes.SignatureBundleMalformed, $"Malformed signature bundle: payloadType '{bundle.PayloadType}' is not {SigstoreBundle.InTotoPayloadType}.");
            return false;
        }

        context.Bundle = bundle;
        context.Statement = InTotoStatement.Parse(bundle.Payload);
        return true;
    }
}
