using System.Text.Json.Nodes;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Fingerprinting.Calibration;

/// <summary>
/// One comparator calibrated on null models: its per-trial threshold (fitted on the nulls only), each null model's
/// successes, and the chance rate the exact test uses.
/// </summary>
/// <param name="Comparator">The comparator's id.</param>
/// <param name="TrialThreshold">The per-trial threshold, when the comparator has one.</param>
/// <param name="TrialsPerModel">Trials each null model answered (all queries the comparator reads).</param>
/// <param name="NullSuccesses">Successes of each null model, in the order of <see cref="FingerprintCalibration.NullModels"/>.</param>
/// <param name="ChanceRate">Success probability per trial for an independent model: the one-sided upper confidence bound of the null models' pooled rate.</param>
/// <param name="ChanceRateSource">Where the chance rate came from, in words.</param>
public sealed record ComparatorCalibration(string Comparator, double? TrialThreshold, int TrialsPerModel, IReadOnlyList<int> NullSuccesses, double ChanceRate, string ChanceRateSource)
{
    /// <summary>
    /// How much more the null models' success counts spread than one binomial's (Kish's design effect, at least 1): the
    /// chance rate was bounded over the trials divided by it.
    /// </summary>
    public double DesignEffect => NullRate.DesignEffectOf(NullSuccesses, TrialsPerModel);

    /// <summary>The design effect's one-sided 90 % upper confidence bound, from which the test's correlation comes.</summary>
    public double DesignEffectBound => NullRate.DesignEffectBoundOf(NullSuccesses, TrialsPerModel);

    /// <summary>
    /// The intra-class correlation of one model's trials that the design effect's 90 % upper confidence bound implies:
    /// independent models' rates differ, and a dozen null models may understate by how much, so a suspect's count is
    /// tested against a beta-binomial with this correlation (0 when even the bound is no more than a binomial's spread).
    /// </summary>
    public double IntraClassCorrelation => NullRate.IntraClassCorrelationOf(NullSuccesses, TrialsPerModel);

    /// <summary>The test of a count of successes against this calibration: its chance rate and its spread.</summary>
    public HypothesisTest Test(int trials, int successes, int comparisons, double alpha) =>
        HypothesisTest.OverdispersedBinomial(trials, successes, ChanceRate, ChanceRateSource, IntraClassCorrelation, comparisons, alpha);

    internal JsonObject ToJson() => new()
    {
        ["comparator"] = Comparator,
        ["trialThreshold"] = TrialThreshold,
        ["trialsPerModel"] = TrialsPerModel,
        ["nullSuccesses"] = new JsonArray([.. NullSuccesses.Select(s => (JsonNode)s)]),
        ["chanceRate"] = ChanceRate,
        ["chanceRateSource"] = ChanceRateSource,
    };

    /// <summary>Reads one comparator's calibration from a kit; <see cref="FormatException"/> for counts or rates out of range.</summary>
    internal static ComparatorCalibration FromJson(JsonObject json)
    {
        var calibration = new ComparatorCalibration(
            json["comparator"]!.GetValue<string>(),
            json["trialThreshold"]?.GetValue<double>(),
            json["trialsPerModel"]!.GetValue<int>(),
            json["nullSuccesses"]!.AsArray().Select(s => s!.GetValue<int>()).ToList(),
            json["chanceRate"]!.GetValue<double>(),
            json["chanceRateSource"]!.GetValue<string>());
        return calibration.TrialsPerModel >= 1
            && calibration.NullSuccesses.All(s => s >= 0 && s <= calibration.TrialsPerModel)
            && calibration.ChanceRate is >= 0 and <= 1
            ? calibration
            : throw new FormatException($"comparator '{calibration.Comparator}' has trials, null counts or a chance rate out of range");
    }
}
