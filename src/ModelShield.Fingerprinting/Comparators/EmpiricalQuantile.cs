namespace ModelShield.Fingerprinting.Comparators;

/// <summary>The trial thresholds the comparators fit on null models: an empirical quantile of their pooled values.</summary>
internal static class EmpiricalQuantile
{
    /// <summary>
    /// The smallest value with at least a <paramref name="quantile"/> share of <paramref name="values"/> at or below
    /// it; null when there are none.
    /// </summary>
    public static double? Of(IEnumerable<double> values, double quantile)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
