using System.Diagnostics;
using ModelShield.Fingerprinting;
using ModelShield.Protection.Kits;
using ModelShield.Protection.Suspects;
using ModelShield.Protection.Watermarks;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Protection.Fingerprints;

/// <summary>One comparator's test of a suspect, as reported.</summary>
/// <param name="Comparator">The comparator's id.</param>
/// <param name="Description">What it compares.</param>
/// <param name="NotRunReason">Why it did not run; null when it ran.</param>
/// <param name="Score">Its similarity score.</param>
/// <param name="TrialThreshold">The per-trial threshold fitted on the null models, when it has one.</param>
/// <param name="Test">The test's name; null when it did not run.</param>
/// <param name="Trials">Trials.</param>
/// <param name="Successes">Successes.</param>
/// <param name="SuccessesNeeded">Successes needed to reject: the calibrated decision threshold.</param>
/// <param name="ChanceRate">The null models' rate.</param>
/// <param name="ChanceRateSource">Where it came from.</param>
/// <param name="IntraClassCorrelation">The beta-binomial test's intra-class correlation, from how much the null models' counts spread (0: binomial).</param>
/// <param name="PValue">The uncorrected p-value, for people.</param>
/// <param name="Log10PValue">Its base-10 logarithm.</param>
/// <param name="CorrectedPValue">The corrected p-value, for people.</param>
/// <param name="Log10CorrectedPValue">Its base-10 logarithm.</param>
/// <param name="Comparisons">The Bonferroni factor.</param>
/// <param name="NullFalsePositives">Null models this test rejects at the same level.</param>
/// <param name="NullModels">Null models calibrated on.</param>
/// <param name="NullSuccesses">Each null model's successes, to set the suspect's beside.</param>
/// <param name="NullTrials">Trials each null model answered.</param>
/// <param name="IsClone">True when the test rejects independence.</param>
public sealed record ComparatorTestResult(
    string Comparator,
    string Description,
    string? NotRunReason,
    double Score,
    double? TrialThreshold,
    string? Test,
    int? Trials,
    int? Successes,
    int? SuccessesNeeded,
    double? ChanceRate,
    string? ChanceRateSource,
    double? IntraClassCorrelation,
    string? PValue,
    double? Log10PValue,
    string? CorrectedPValue,
    double? Log10CorrectedPValue,
    int? Comparisons,
    int NullFalsePositives,
    int NullModels,
    IReadOnlyList<int> NullSuccesses,
    int NullTrials,
    bool IsClone);

/// <summary>A suspect compared with the kit's fingerprint.</summary>
/// <param name="Suspect">The suspect file's full path or the endpoint URL.</param>
/// <param name="EntryId">The fingerprint entry compared with.</param>
/// <param name="Verdict">"clone" or "independent".</param>
/// <param name="Alpha">The family-wise level.</param>
/// <param name="ComparatorsRun">The Bonferroni factor.</param>
/// <param name="QueriesSpent">Inputs sent.</param>
/// <param name="QueriesRecorded">Queries in the fingerprint.</param>
/// <param name="LabelsOnly">True when the suspect answered labels only.</param>
/// <param name="NullFalsePositives">Null models the whole decision would call clones.</param>
/// <param name="NullModels">Null models calibrated on.</param>
/// <param name="CpuSeconds">CPU time this comparison took in this process.</param>
/// <param name="WallSeconds">Wall-clock time.</param>
/// <param name="Comparators">Each comparator's test.</param>
/// <param name="AgreementByKind">Label agreement per kind of query.</param>
/// <param name="Notes">What weakens the answer, in words.</param>
public sealed record FingerprintCompareReport(
    string Suspect,
    string EntryId,
    string Verdict,
    double Alpha,
    int ComparatorsRun,
    long QueriesSpent,
    int QueriesRecorded,
    bool LabelsOnly,
    int NullFalsePositives,
    int NullModels,
    double CpuSeconds,
    double WallSeconds,
    IReadOnlyList<ComparatorTestResult> Comparators,
    IReadOnlyDictionary<string, KindAgreement> AgreementByKind,
    IReadOnlyList<string> Notes)
{
    /// <summary>True when the suspect is called a clone.</summary>
    public bool IsClone => Comparators.Any(c => c.IsClone);
}

/// <summary>Compares suspects with recorded fingerprints.</summary>
public static class FingerprintMatching
{
    /// <summary>Sends the fingerprint's queries (the newest entry, or the one whose id starts with <paramref name="entryPrefix"/>) and tests the answers.</summary>
    public static async Task<FingerprintCompareReport> CompareAsync(
        SuspectSource suspect,
        KitAccess kit,
        string? entryPrefix = null,
        double alpha = HypothesisTest.DefaultAlpha,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(kit);
        WeightMarking.RequireAlpha(alpha);
        var entries = KitAccess.Entries(kit.Read(), Fingerprint.SchemeId, entryPrefix, "record one with 'modelshield fingerprint record'");
        var fingerprint = Fingerprint.FromKitEntry(entries[^1]);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var predictor = await suspect.OpenAsync(fingerprint.Classes, cancellationToken).ConfigureAwait(false);
        var comparison = await FingerprintComparison.CompareAsync(predictor, fingerprint, alpha, cancellationToken).ConfigureAwait(false);
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var calibration = fingerprint.Calibration.Comparators.ToDictionary(c => c.Comparator);
        return new FingerprintCompareReport(
            suspect.Name,
            comparison.EntryId,
            comparison.Verdict,
            comparison.Alpha,
            comparison.ComparatorsRun,
            comparison.QueriesSpent,
            comparison.QueriesRecorded,
            comparison.LabelsOnly,
            comparison.NullFalsePositives,
            comparison.NullModels,
            cpuSeconds,
            clock.Elapsed.TotalSeconds,
            comparison.Comparators.Select(r => new ComparatorTestResult(
                r.Comparator,
                r.Description,
                r.NotRunReason,
                r.Score,
                r.TrialThreshold,
                r.Test?.Test,
                r.Test?.Trials,
                r.Test?.Successes,
                r.SuccessesNeeded,
                r.Test?.ChanceRate,
                r.Test?.ChanceRateSource,
                r.Test?.IntraClassCorrelation,
                r.Test is null ? null : HypothesisTest.FormatPValue(r.Test.Log10PValue),
                r.Test?.Log10PValue,
                r.Test is null ? null : HypothesisTest.FormatPValue(r.Test.Log10CorrectedPValue),
                r.Test?.Log10CorrectedPValue,
                r.Test?.Comparisons,
                r.NullFalsePositives,
                r.NullModels,
                calibration.GetValueOrDefault(r.Comparator)?.NullSuccesses ?? [],
                calibration.GetValueOrDefault(r.Comparator)?.TrialsPerModel ?? 0,
                r.IsClone)).ToList(),
            comparison.AgreementByKind,
            comparison.Notes);
    }
}
