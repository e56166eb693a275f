namespace ModelShield.Watermarking.Statistics;

/// <summary>The chi-square distribution, for confidence bounds on a variance.</summary>
internal static class ChiSquare
{
    /// <summary>P(X ≤ x) for X ~ chi-square with <paramref name="degreesOfFreedom"/>: the regularized lower gamma P(df / 2, x / 2) by its series.</summary>
    public static double Cdf(int degreesOfFreedom, double x)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (x <= 0)
        {
            return 0;
        }

        var a = degreesOfFreedom / 2.0;
        var half = x / 2;
        // sum_n half^n / ((a)(a + 1)...(a + n)), in logs (its terms pass 1e308 for large x), until they stop counting.
        var logTerm = -Math.Log(a);
        var logSum = logTerm;
        for (var n = 1; n < 100_000 && logTerm > logSum - 37; n++)
        {
            logTerm += Math.Log(half / (a + n));
            logSum += Math.Log(1 + Math.Exp(logTerm - logSum));
        }

        return Math.Min(1, Math.Exp((a * Math.Log(half)) - half - LogGammaOfHalf(degreesOfFreedom) + logSum));
    }

    /// <summary>The x with P(X ≤ x) = <paramref name="probability"/>, by bisection.</summary>
    public static double Quantile(int degreesOfFreedom, double probability)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(probability, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(probability, 1);
        double low = 0, high = degreesOfFreedom + (50 * Math.Sqrt(2.0 * degreesOfFreedom)) + 50;
        for (var i = 0; i < 100; i++)
        {
            var mid = (low + high) / 2;
            (low, high) = Cdf(degreesOfFreedom, mid) < probability ? (mid, high) : (low, mid);
        }

        return (low + high) / 2;
    }

    /// <summary>log Γ(k / 2), exactly for whole and half-whole arguments: Γ(1) = 1, Γ(1/2) = √π, Γ(z + 1) = z Γ(z).</summary>
    private static double LogGammaOfHalf(int k)
    {
        var z = k % 2 == 0 ? 1.0 : 0.5;
        var log = k % 2 == 0 ? 0.0 : 0.5 * Math.Log(Math.PI);
        for (; z < k / 2.0; z++)
        {
            log += Math.Log(z);
        }

        return log;
    }
}
