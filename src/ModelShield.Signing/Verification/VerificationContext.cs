using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ModelShield.Signing.Hashing;
using ModelShield.Signing.Oms;

namespace ModelShield.Signing.Verification;

/// <summary>What the checks of one verification share: the inputs, what earlier checks established, and the issues found.</summary>
internal sealed class VerificationContext
{
    public required string ModelPath { get; init; }

    public required bool ModelIsFile { get; init; }

    public required string SignaturePath { get; init; }

    public required TrustPolicy Policy { get; init; }

    /// <summary>The caller's ignored paths, relative to the model root.</summary>
    public required IReadOnlyList<string> CallerIgnores { get; init; }

    public bool IgnoreUnsignedFiles { get; init; }

    /// <summary>Gives the reader for the files about to be hashed: streaming from disk, or the guard's in-memory copy.</summary>
    public Func<IReadOnlyList<ModelFile>, IContentReader> ReaderFor { get; init; } = _ => DiskContentReader.Instance;

    /// <summary>
    /// Told the full path of each file as soon as all of its bytes are hashed and match the signed statement, before the
    /// other files are done; the guard starts building its session from there.
    /// </summary>
    public Action<string>? FileVerified { get; init; }

    /// <summary>The folder the model's relative names start from.</summary>
    public string RootFolder => ModelIsFile ? Path.GetDirectoryName(ModelPath)! : ModelPath;

    public SigstoreBundle? Bundle { get; set; }

    public InTotoStatement? Statement { get; set; }

    /// <summary>Keys that may have made the signature, once the signer check has run.</summary>
    public List<ECDsa> CandidateKeys { get; } = [];

    public X509Certificate2? Leaf { get; set; }

    public X509Certificate2Collection BundleCertificates { get; } = [];

    public string? Signer { get; set; }

    /// <summary>The key of the detached CMS signature's signer, when one was verified.</summary>
    public ECDsa? CmsSignerKey { get; set; }

    public DateTimeOffset? SignedAt { get; set; }

    public string? TimestampAuthority { get; set; }

    public int FilesVerified { get; set; }

    public List<VerificationIssue> Issues { get; } = [];

    public void Fail(string code, string message, string? path = null, string? expected = null, string? actual = null) =>
        Issues.Add(new VerificationIssue(code, message, path, expected, actual));
}
