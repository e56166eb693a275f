using ModelShield.Protection.Fingerprints;
using ModelShield.Protection.Watermarks;

namespace ModelShield.Protection.Investigate;

/// <summary>The signature check of a suspect's files.</summary>
/// <param name="Verified">True when every file verified under the trust given.</param>
/// <param name="SignaturePath">The bundle checked.</param>
/// <param name="Signer">Who signed, when known.</param>
/// <param name="SignedAt">The RFC 3161 time of signing, when timestamped.</param>
/// <param name="FilesVerified">Files that matched.</param>
/// <param name="Issues">What failed: code, file and problem.</param>
public sealed record SignatureCheck(bool Verified, string SignaturePath, string? Signer, DateTimeOffset? SignedAt, int FilesVerified, IReadOnlyList<SignatureIssue> Issues);

/// <summary>One reason a signature did not verify.</summary>
/// <param name="Code">The stable issue code.</param>
/// <param name="Path">The file concerned, when one is.</param>
/// <param name="Message">The problem in words.</param>
public sealed record SignatureIssue(string Code, string? Path, string Message);

/// <summary>A test that could not be run, and why.</summary>
/// <param name="Test">signature, weights, triggers or fingerprint.</param>
/// <param name="Reason">Why, in words.</param>
public sealed record TestNotRun(string Test, string Reason);

/// <summary>A file examined, with its hash, so that the evidence can be tied to the very bytes.</summary>
/// <param name="Role">suspect, original, kit, signature.</param>
/// <param name="Path">Full path.</param>
/// <param name="Bytes">Size.</param>
/// <param name="Sha256">SHA-256 (lowercase hex).</param>
public sealed record ExaminedFile(string Role, string Path, long Bytes, string Sha256);

/// <summary>One statistical test's line in the combined verdict.</summary>
/// <param name="Test">weights, triggers or fingerprint.</param>
/// <param name="Detected">Its verdict at its share of alpha.</param>
/// <param name="CorrectedPValue">Its p-value corrected within the test, for people.</param>
/// <param name="Log10CorrectedPValue">Its base-10 logarithm.</param>
/// <param name="Summary">What it found, in one line.</param>
public sealed record TestOutcome(string Test, bool Detected, string CorrectedPValue, double Log10CorrectedPValue, string Summary);

/// <summary>The whole investigation of one suspect: every test that applied, the combined verdict, and what could not be run.</summary>
/// <param name="Question">What was asked, in words.</param>
/// <param name="Suspect">The suspect file's full path or the endpoint URL.</param>
/// <param name="SuspectKind">file or endpoint.</param>
/// <param name="Verdict">signed-release, derived, or not-shown.</param>
/// <param name="Answer">The verdict in one sentence.</param>
/// <param name="Alpha">The family-wise level.</param>
/// <param name="TestsRun">Statistical tests run: the Bonferroni factor of the combined p-value.</param>
/// <param name="CombinedPValue">min(1, tests × the smallest corrected p-value), for people; null when no statistical test ran.</param>
/// <param name="Log10CombinedPValue">Its base-10 logarithm.</param>
/// <param name="ReleaseMatches">Kit entries whose recorded model hash equals the suspect's: the suspect is that very file.</param>
/// <param name="Signature">The signature check; null when not run.</param>
/// <param name="Outcomes">Each statistical test's verdict and p-value.</param>
/// <param name="Weights">The weight watermark test (white box); null when not run.</param>
/// <param name="Triggers">The trigger-set test (black box); null when not run.</param>
/// <param name="Fingerprint">The fingerprint comparison (black box); null when not run.</param>
/// <param name="NotRun">Tests that could not be run, and why.</param>
/// <param name="KitId">The kit's public id.</param>
/// <param name="KitCommitment">SHA-256 commitment over the kit entries tested (compare with a release's kit-commitment.json).</param>
/// <param name="Files">Every file examined, with its hash.</param>
/// <param name="ToolVersion">ModelShield's version.</param>
/// <param name="StartedUtc">When the investigation started.</param>
/// <param name="Seconds">How long it took.</param>
/// <param name="Commands">Commands that reproduce each part.</param>
public sealed record InvestigationReport(
    string Question,
    string Suspect,
    string SuspectKind,
    string Verdict,
    string Answer,
    double Alpha,
    int TestsRun,
    string? CombinedPValue,
    double? Log10CombinedPValue,
    IReadOnlyList<string> ReleaseMatches,
    SignatureCheck? Signature,
    IReadOnlyList<TestOutcome> Outcomes,
    WeightDetectReport? Weights,
    TriggerDetectReport? Triggers,
    FingerprintCompareReport? Fingerprint,
    IReadOnlyList<TestNotRun> NotRun,
    string KitId,
    string KitCommitment,
    IReadOnlyList<ExaminedFile> Files,
    string ToolVersion,
    DateTimeOffset StartedUtc,
    double Seconds,
    IReadOnlyList<string> Commands)
{
    /// <summary>True when the suspect is shown to be ours: our intact signed release, or derived from our model.</summary>
    public bool IsOurs => Verdict != "not-shown";
}
