using System.Globalization;

namespace ModelShield.Watermarking.Statistics;

/// <summary>
/// One detection as a hypothesis test (DESIGN.md, Statistics). The null hypothesis is always "the suspect is
/// independent of the owner's model"; a small p-value is evidence against it.
/// </summary>
/// <param name="Test">The test used, e.g. "exact binomial, one-sided".</param>
/// <param name="Trials">Number of trials (bits, triggers, queries).</param>
/// <param name="Successes">Trials that agreed with the owner's secret.</param>
/// <param name="ChanceRate">Probability of agreement per trial for an independent model.</param>
/// <param name="ChanceRateSource">Where <paramref name="ChanceRate"/> came from (analytic reasoning, or measured on null models).</param>
/// <param name="Log10PValue">log10 of the uncorrected p-value (exact even where the p-value underflows a double).</param>
/// <param name="Comparisons">How many tests were tried (tensors, alignments, ...); the Bonferroni factor.</param>
/// <param name="Alpha">The family-wise significance level.</param>
/// <param name="IntraClassCorrelation">
/// For a beta-binomial test: how much one model's trials hang together, measured on null models whose rates differ;
/// 0 for the binomial test (independent trials at one chance rate).
/// </param>
public sealed record HypothesisTest(
    string Test,
    int Trials,
    int Successes,
    double ChanceRate,
    string ChanceRateSource,
    double Log10PValue,
    int Comparisons,
    double Alpha,
    double IntraClassCorrelation = 0)
{
    /// <summary>The default family-wise level: one in a million.</summary>
    public const double DefaultAlpha = 1e-6;

    /// <summary>The uncorrected p-value (0 when it underflows; see <see cref="Log10PValue"/>).</summary>
    public double PValue => Math.Pow(10, Log10PValue);

    /// <summary>log10 of the Bonferroni-corrected p-value, capped at 0 (p = 1).</summary>
    public double Log10CorrectedPValue => Math.Min(0, Log10PValue + Math.Log10(Comparisons));

    /// <summary>The Bonferroni-corrected p-value.</summary>
    public double CorrectedPValue => Math.Pow(10, Log10CorrectedPValue);

    /// <summary>Successes needed to reject at <see cref="Alpha"/> after correction.</summary>
    public int CriticalSuccesses => BetaBinomial.CriticalValue(Trials, ChanceRate, IntraClassCorrelation, Alpha / Comparisons);

    /// <summary>True when the corrected p-value is at most <see cref="Alpha"/>.</summary>
    public bool Rejected => Log10CorrectedPValue <= Math.Log10(Alpha);

    /// <summary>Builds an exact one-sided binomial test.</summary>
    public static HypothesisTest ExactBinomial(int trials, int successes, double chanceRate, string chanceRateSource, int comparisons = 1, double alpha = DefaultAlpha)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(comparisons, 1);
        return new HypothesisTest(
            "exact binomial, one-sided",
            trials,
            successes,
            chanceRate,
            chanceRateSource,
            Binomial.Log10UpperTail(trials, successes, chanceRate),
            comparisons,
            alpha);
    }

    /// <summary>
    /// Builds a one-sided beta-binomial test: the suspect's successes against those of a model drawn at random from a
    /// population of independent models whose rates vary around the chance rate with the given intra-class correlation
    /// (measured on null models). Its tail is heavier than the binomial's, so a count that only an unusually owner-like
    /// independent model would reach is not taken for a copy. With a correlation of 0 it is <see cref="ExactBinomial"/>.
    /// </summary>
    public static HypothesisTest OverdispersedBinomial(int trials, int successes, double chanceRate, string chanceRateSource, double intraClassCorrelation, int comparisons = 1, double alpha = DefaultAlpha)
    {
        if (intraClassCorrelation == 0)
        {
            return ExactBinomial(trials, successes, chanceRate, chanceRateSource, comparisons, alpha);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(comparisons, 1);
        return new HypothesisTest(
            string.Create(CultureInfo.InvariantCulture, $"beta-binomial, one-sided (intra-class correlation {intraClassCorrelation:0.####})"),
            trials,
            successes,
            chanceRate,
            chanceRateSource,
            BetaBinomial.Log10UpperTail(trials, successes, chanceRate, intraClassCorrelation),
            comparisons,
            alpha,
            intraClassCorrelation);
    }

    /// <summary>A p-value in scientific notation that stays readable below 1e-308, e.g. "3.2e-41".</summary>
    public static string FormatPValue(double log10P)
    {
        if (double.IsNegativeInfinity(log10P))
        {
            return "0";
        }

        if (log10P > -4)
        {
            return Math.Pow(10, log10P).ToString("0.####", CultureInfo.InvariantCulture);
        }

        var exponent = Math.Floor(log10P);
        var mantissa = Math.Pow(10, log10P - exponent);
        return string.Create(CultureInfo.InvariantCulture, $"{mantissa:0.0}e{exponent:0}");
    }
}
