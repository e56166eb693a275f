namespace ModelShield.Watermarking.Statistics;

/// <summary>
/// The beta-binomial distribution, in log space: the successes of a model drawn at random from a population whose
/// per-trial rates vary (Beta-distributed with the given mean and intra-class correlation), each of its trials then
/// succeeding at its own rate. With an intra-class correlation of 0 it is the binomial.
/// </summary>
public static class BetaBinomial
{
    /// <summary>
    /// log10 P(X ≥ k) for X ~ BetaBinomial(n, a, b) with mean a / (a + b) = <paramref name="mean"/> and intra-class
    /// correlation 1 / (a + b + 1) = <paramref name="correlation"/>.
    /// </summary>
    public static double Log10UpperTail(int n, int k, double mean, double correlation)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfLessThan(mean, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mean, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(correlation, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(correlation, 1);
        if (correlation == 0 || k <= 0 || k > n || mean == 0 || mean == 1)
        {
            return Binomial.Log10UpperTail(n, k, mean);
        }

        var size = (1 / correlation) - 1;
        var a = mean * size;
        var b = (1 - mean) * size;

        // log P(X = k) = log C(n, k) + sum_{i<k} log(a + i) + sum_{j<n-k} log(b + j) - sum_{i<n} log(a + b + i);
        // successive terms differ by the factor (n - x) / (x + 1) * (a + x) / (b + n - x - 1).
        var t = Binomial.LogChoose(n, k);
        for (var i = 0; i < k; i++)
        {
            t += Math.Log(a + i);
        }

        for (var j = 0; j < n - k; j++)
        {
            t += Math.Log(b + j);
        }

        for (var i = 0; i < n; i++)
        {
            t -= Math.Log(a + b + i);
        }

        return Binomial.Log10TailSum(n, k, t, x => Math.Log((double)(n - x) / (x + 1)) + Math.Log(a + x) - Math.Log(b + n - x - 1));
    }

    /// <summary>The smallest k with P(X ≥ k) ≤ alpha; n + 1 when even n successes are not enough.</summary>
    public static int CriticalValue(int n, double mean, double correlation, double alpha) =>
        Binomial.SmallestRejecting(n, k => Log10UpperTail(n, k, mean, correlation), alpha);

    /// <summary>
    /// The intra-class correlation that gives a design effect: for counts over <paramref name="trials"/> trials each,
    /// design effect = 1 + (trials - 1) x correlation. Capped just below 1 (every model all or nothing).
    /// </summary>
    public static double CorrelationFromDesignEffect(double designEffect, int trials)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(designEffect, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        return trials == 1 ? 0 : Math.Min(MaximumCorrelation, (designEffect - 1) / (trials - 1));
    }

    /// <summary>The largest correlation used: at 1 the distribution degenerates (a + b = 0).</summary>
    private const double MaximumCorrelation = 0.999;
}
