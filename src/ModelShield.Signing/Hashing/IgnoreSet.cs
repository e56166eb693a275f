namespace ModelShield.Signing.Hashing;

/// <summary>Paths relative to the model root that are left out, each covering a file or a whole folder.</summary>
internal sealed class IgnoreSet(IEnumerable<string> paths)
{
    private readonly string[] _paths = paths.Select(p => p.TrimEnd('/')).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToArray();

    public IReadOnlyList<string> Paths => _paths;

    public bool IsIgnored(string relativeName) =>
        _paths.Any(p => relativeName.Equals(p, StringComparison.Ordinal) || relativeName.StartsWith(p + "/", StringComparison.Ordinal));
}
