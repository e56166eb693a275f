using System.Collections.Concurrent;
using System.Globalization;

namespace ModelShield.Watermarking.Statistics;

/// <summary>
/// A chance rate measured on null models (independently trained models), as an upper confidence bound that allows for
/// the models differing from one another.
/// </summary>
/// <param name="Bound">The one-sided Clopper-Pearson upper bound of the rate over the effective trials.</param>
/// <param name="Successes">Successes pooled over the null models.</param>
/// <param name="Trials">Trials pooled over the null models.</param>
/// <param name="DesignEffect">How much more the per-model rates spread than one binomial would (at least 1).</param>
/// <param name="EffectiveSuccesses">Successes divided by the design effect (rounded up).</param>
/// <param name="EffectiveTrials">Trials divided by the design effect (rounded down).</param>
/// <param name="Confidence">The bound's confidence.</param>
public sealed record NullRate(double Bound, int Successes, int Trials, double DesignEffect, int EffectiveSuccesses, int EffectiveTrials, double Confidence)
{
    /// <summary>
    /// Pools the null models' successes and shrinks them to an effective sample (Kish's design effect): the binomial test
    /// treats every trial as independent, but null models differ from one another, so their rates spread more than one
    /// binomial would. The design effect is the observed variance of the per-model rates over the binomial variance (at
    /// least 1, and 1 for a single model); dividing trials and successes by it widens the bound to match the spread.
    /// </summary>
    public static NullRate Measure(IReadOnlyList<int> successesPerModel, int trialsPerModel, double confidence)
    {
        var designEffect = DesignEffectOf(successesPerModel, trialsPerModel);
        var total = successesPerModel.Sum();
        var trials = successesPerModel.Count * trialsPerModel;

        // Successes rounded up and trials down: both err towards a higher chance rate.
        var effectiveSuccesses = (int)Math.Ceiling(total / designEffect);
        var effectiveTrials = Math.Max(effectiveSuccesses, Math.Max(1, (int)Math.Floor(trials / designEffect)));
        var bound = Binomial.UpperConfidenceBound(effectiveSuccesses, effectiveTrials, confidence);
        return new NullRate(bound, total, trials, designEffect, effectiveSuccesses, effectiveTrials, confidence);
    }

    /// <summary>
    /// Kish's design effect of per-model success counts: the observed variance of the per-model rates over the variance
    /// one binomial with the pooled rate would give; at least 1, and 1 for a single model. It measures both how much the
    /// models' rates differ and how much one model's trials hang together.
    /// </summary>
    public static double DesignEffectOf(IReadOnlyList<int> successesPerModel, int trialsPerModel) =>
        Math.Max(1, SpreadOf(successesPerModel, trialsPerModel));

    /// <summary>The confidence of <see cref="DesignEffectBoundOf"/>.</summary>
    public const double SpreadConfidence = 0.9;

    /// <summary>
    /// The one-sided 90 % upper confidence bound of the design effect: the observed variance times (models - 1) over the
    /// chi-square's 10 % quantile, at least 1. A dozen null models can show a small spread by chance where independent
    /// models spread more, and the tail of a beta-binomial at the small levels a verdict uses is set by that spread:
    /// with the estimate alone, twelve null models and 75 trials, simulated populations that spread more than the null
    /// models showed saw 6 to 244 times the corrected level of false positives, with the bound at most about 6 times
    /// (scripts/simulate-design-effect.py, docs/fingerprints.md).
    /// </summary>
    public static double DesignEffectBoundOf(IReadOnlyList<int> successesPerModel, int trialsPerModel)
    {
        ArgumentNullException.ThrowIfNull(successesPerModel);
        var models = successesPerModel.Count;
        return models < 2
            ? 1
            : Math.Max(1, SpreadOf(successesPerModel, trialsPerModel) * (models - 1) / SpreadQuantiles.GetOrAdd(models - 1, df => ChiSquare.Quantile(df, 1 - SpreadConfidence)));
    }

    /// <summary>
    /// The chi-square quantile of the bound by degrees of freedom: a comparison tests every null model again with the
    /// same calibration, and each test's correlation needs the quantile, which takes a hundred bisection steps.
    /// </summary>
    private static readonly ConcurrentDictionary<int, double> SpreadQuantiles = new();

    /// <summary>
    /// The intra-class correlation of one model's trials that the upper bound of the null models' design effect implies:
    /// the spread a beta-binomial test allows for (0 when even the bound is no more than a binomial's).
    /// </summary>
    public static double IntraClassCorrelationOf(IReadOnlyList<int> successesPerModel, int trialsPerModel) =>
        BetaBinomial.CorrelationFromDesignEffect(DesignEffectBoundOf(successesPerModel, trialsPerModel), trialsPerModel);

    /// <summary>The per-model rates' observed variance over one binomial's, not floored (0 for one model or a rate of 0 or 1).</summary>
    private static double SpreadOf(IReadOnlyList<int> successesPerModel, int trialsPerModel)
    {
        ArgumentNullException.ThrowIfNull(successesPerModel);
        ArgumentOutOfRangeException.ThrowIfLessThan(successesPerModel.Count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(trialsPerModel, 1);
        var models = successesPerModel.Count;
        var rate = (double)successesPerModel.Sum() / (models * trialsPerModel);
        var binomialVariance = rate * (1 - rate) / trialsPerModel;
        var observedVariance = models < 2 ? 0 : successesPerModel.Sum(s => Math.Pow(((double)s / trialsPerModel) - rate, 2)) / (models - 1);
        return binomialVariance > 0 ? observedVariance / binomialVariance : 0;
    }

    /// <summary>The measurement in words, for a chance rate's source.</summary>
    public string Describe(int models, string what) => string.Create(
        CultureInfo.InvariantCulture,
        $"{Successes} {what} in {Trials} trials of {models} null models; design effect {DesignEffect:0.##} for how much the null models differ, so {EffectiveSuccesses} in {EffectiveTrials} effective trials; one-sided {Confidence:P1} Clopper-Pearson upper bound {Bound:0.####}");
}
