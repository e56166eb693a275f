using ModelShield.Errors;

namespace ModelShield.Signing.Verification;

/// <summary>The ordered checks a verification runs: bundle, method, timestamp, signer, signature, statement, files.</summary>
internal static class VerificationPipeline
{
    public static IReadOnlyList<IVerificationCheck> Checks { get; } =
    [
        new BundleFormatCheck(),
        new MethodPolicyCheck(),
        new CmsTimestampCheck(),
        new SignerTrustCheck(),
        new EnvelopeSignatureCheck(),
        new StatementCheck(),
        new ModelFilesCheck(),
    ];

    /// <summary>Runs every check until one says stop; a malformed-bundle error from any check becomes an issue, never an escape.</summary>
    public static void Run(VerificationContext context)
    {
        foreach (var check in Checks)
        {
            bool proceed;
            try
            {
                proceed = check.Run(context);
            }
            catch (ModelShieldException ex) when (ex.Code.StartsWith("MS5", StringComparison.Ordinal))
            {
                context.Fail(ex.Code, ex.Message);
                proceed = false;
            }

            if (!proceed)
            {
                return;
            }
        }
    }
}
