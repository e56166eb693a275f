namespace ModelShield.Api.Auth;

/// <summary>
/// The roles an API key can hold, one per key. Each is also the name of the authorization policy that admits it:
/// release pipelines sign, embed, record and protect; legal teams detect, compare and investigate; runtimes verify.
/// Verification is open to every role, since releasing and investigating both need it.
/// </summary>
internal static class ApiRoles
{
    public const string Release = "release";
    public const string Investigate = "investigate";
    public const string Verify = "verify";

    /// <summary>Every role, for validation and help texts.</summary>
    public static readonly IReadOnlySet<string> All = new SortedSet<string>(StringComparer.Ordinal) { Release, Investigate, Verify };

    /// <summary>The policy any valid key satisfies (inspect, key list, job status).</summary>
    public const string AnyKey = "any-key";

    /// <summary>The policy of verify: every role.</summary>
    public const string Verifier = "verifier";
}
