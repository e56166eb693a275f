namespace ModelShield.Watermarking.Statistics;

/// <summary>
/// A one-sided binomial test over at most <see cref="MaxTrials"/> trials that may stop early: as soon as the
/// successes reach the critical count (the test rejects whatever the remaining answers are) or can no longer
/// reach it (the test cannot reject). The verdict is always the one the full test would give, so the level is
/// unchanged, and queries are saved. The p-value reported after m trials with k successes is
/// P(Binomial(m, p0) ≥ k), which is valid under this stopping rule: outcomes that reach k successes no later
/// than m trials are exactly the more extreme ones.
/// </summary>
public sealed class CurtailedBinomialTest
{
    /// <summary>Creates the test.</summary>
    public CurtailedBinomialTest(int maxTrials, double chanceRate, double alpha, int comparisons = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrials, 1);
        MaxTrials = maxTrials;
        ChanceRate = chanceRate;
        Alpha = alpha;
        Comparisons = comparisons;
        CriticalSuccesses = Binomial.CriticalValue(maxTrials, chanceRate, alpha / comparisons);
    }

    /// <summary>Trials available (e.g. triggers).</summary>
    public int MaxTrials { get; }

    /// <summary>Success probability per trial under the null hypothesis.</summary>
    public double ChanceRate { get; }

    /// <summary>Family-wise level.</summary>
    public double Alpha { get; }

    /// <summary>Bonferroni factor.</summary>
    public int Comparisons { get; }

    /// <summary>Successes among <see cref="MaxTrials"/> that reject at alpha / comparisons (MaxTrials + 1: never).</summary>
    public int CriticalSuccesses { get; }

    /// <summary>Trials observed so far.</summary>
    public int Trials { get; private set; }

    /// <summary>Successes observed so far.</summary>
    public int Successes { get; private set; }

    /// <summary>True once the verdict can no longer change.</summary>
    public bool Decided => Successes >= CriticalSuccesses || Successes + (MaxTrials - Trials) < CriticalSuccesses;

    /// <summary>Records one trial.</summary>
    public void Record(bool success)
    {
        if (Trials == MaxTrials)
        {
            throw new InvalidOperationException("All trials are recorded.");
        }

        Trials++;
        Successes += success ? 1 : 0;
    }

    /// <summary>The test so far, as a hypothesis test over the trials observed.</summary>
    public HypothesisTest Result(string chanceRateSource) =>
        new(
            Trials < MaxTrials ? "exact binomial, one-sided, curtailed" : "exact binomial, one-sided",
            Trials,
            Successes,
            ChanceRate,
            chanceRateSource,
            Binomial.Log10UpperTail(Trials, Successes, ChanceRate),
            Comparisons,
            Alpha);
}
