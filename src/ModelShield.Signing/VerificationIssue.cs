namespace ModelShield.Signing;

/// <summary>One reason a verification failed.</summary>
/// <param name="Code">A stable code from <see cref="ModelShield.Errors.ErrorCodes"/> (MS5xxx), e.g. MS5010 for a changed file.</param>
/// <param name="Message">What failed, for people.</param>
/// <param name="Path">The file or resource concerned, relative to the model root, when there is one.</param>
/// <param name="Expected">The signed value (a digest, a size), when the issue compares values.</param>
/// <param name="Actual">The value found, when the issue compares values.</param>
public sealed record VerificationIssue(string Code, string Message, string? Path = null, string? Expected = null, string? Actual = null);
