namespace ModelShield.Errors;

/// <summary>
/// Raised for input that cannot be used (a malformed model, an unsafe path, a bad argument).
/// Carries a stable <see cref="Code"/> listed in docs/error-codes.md, so that scripts and the
/// API can react to the kind of failure without parsing the message.
/// </summary>
public class ModelShieldException : Exception
{
    /// <summary>Creates an exception with a stable error code and a message for people.</summary>
    public ModelShieldException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
    }

    /// <summary>The stable error code, e.g. <c>MS1001</c>.</summary>
    public string Code { get; }
}
