namespace ModelShield.Signing.Verification;

/// <summary>One small step of verification. Checks run in order; a check that returns false stops the run (fail closed).</summary>
internal interface IVerificationCheck
{
    /// <summary>Runs the check, adding issues to the context; false when later checks cannot be trusted to run.</summary>
    bool Run(VerificationContext context);
}
