namespace ModelShield.Watermarking.Statistics;

/// <summary>The exact binomial distribution, computed in log space so that tails far below 1e-308 stay exact.</summary>
public static class Binomial
{
    /// <summary>
    /// log10 P(X ≥ k) for X ~ Binomial(n, p): the one-sided p-value of seeing at least k successes in n
    /// trials when each succeeds with probability p by chance.
    /// </summary>
    public static double Log10UpperTail(int n, int k, double p)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
        if (k <= 0)
        {
            return 0;
        }

        if (k > n)
        {
            return double.NegativeInfinity;
        }

        if (p == 0)
        {
            return double.NegativeInfinity;
        }

        if (p == 1)
        {
            return 0;
        }

        var logP = Math.Log(p);
        var logQ = double.LogP1(-p);
        // Successive terms differ by the factor (n - i) / (i + 1) * p / q.
        return Log10TailSum(n, k, LogChoose(n, k) + (k * logP) + ((n - k) * logQ), i => Math.Log((double)(n - i) / (i + 1)) + logP - logQ);
    }

    /// <summary>
    /// log10 of the sum of the terms x = k..n of a distribution's upper tail, given the log of the first term and the
    /// log ratio of term x + 1 to term x; summed as log-sum-exp so that tails far below 1e-308 stay exact. Capped at 0.
    /// </summary>
    internal static double Log10TailSum(int n, int k, double logFirst, Func<int, double> logRatio)
    {
        var terms = new double[n - k + 1];
        var max = double.NegativeInfinity;
        var t = logFirst;
        for (var x = k; x <= n; x++)
        {
            terms[x - k] = t;
            max = Math.Max(max, t);
            if (x < n)
            {
                t += logRatio(x);
            }
        }

        var sum = 0.0;
        foreach (var term in terms)
        {
            sum += Math.Exp(term - max);
        }

        return Math.Min(0, (max + Math.Log(sum)) / Math.Log(10));
    }

    /// <summary>P(X ≥ k) as a double (0 when it underflows; use <see cref="Log10UpperTail"/> for the exact magnitude).</summary>
    public static double UpperTail(int n, int k, double p) => Math.Pow(10, Log10UpperTail(n, k, p));

    /// <summary>
    /// The smallest k with P(X ≥ k) ≤ alpha: how many successes out of n a test at level alpha needs.
    /// Returns n + 1 when even n successes are not enough.
    /// </summary>
    public static int CriticalValue(int n, double p, double alpha) => SmallestRejecting(n, k => Log10UpperTail(n, k, p), alpha);

    /// <summary>The smallest k in 0..n whose log10 upper tail is at most log10 alpha; n + 1 when none is.</summary>
    internal static int SmallestRejecting(int n, Func<int, double> log10UpperTail, double alpha)
    {
        var log10Alpha = Math.Log10(alpha);
        for (var k = 0; k <= n; k++)
        {
            if (log10UpperTail(k) <= log10Alpha)
            {
                return k;
            }
        }

        return n + 1;
    }

    /// <summary>
    /// The one-sided Clopper-Pearson upper confidence bound on a success rate after <paramref name="successes"/>
    /// in <paramref name="trials"/>: the largest p with P(X ≤ successes) ≥ 1 − confidence for X ~ Binomial(trials, p).
    /// </summary>
    public static double UpperConfidenceBound(int successes, int trials, double confidence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (successes == trials)
        {
            return 1;
        }

        // P(X ≤ k) = 1 − P(X ≥ k + 1) falls as p grows: bisect for the p where it equals 1 − confidence.
        double low = (double)successes / trials, high = 1;
        for (var i = 0; i < 100; i++)
        {
            var mid = (low + high) / 2;
            var lowerTail = 1 - UpperTail(trials, successes + 1, mid);
            if (lowerTail > 1 - confidence)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return high;
    }

    /// <summary>log of the binomial coefficient C(n, k).</summary>
    public static double LogChoose(int n, int k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    private static double LogFactorial(int n)
    {
        var sum = 0.0;
        for (var i = 2; i <= n; i++)
        {
            sum += Math.Log(i);
        }

        return sum;
    }
}
