namespace ModelShield.Watermarking.Statistics;

/// <summary>
/// A one-sided binomial (or, with an intra-class correlation, beta-binomial) test over at most <see cref="MaxTrials"/>
/// trials that may stop early: as soon as the successes reach the critical count (the test rejects whatever the
/// remaining answers are) or can no longer reach it (the test cannot reject). The verdict is always the one the full
/// test would give, so the level is unchanged, and queries are saved. The p-value reported after m trials with k
/// successes is P(X_m ≥ k) for the successes X_m of m trials, which is valid under this stopping rule: outcomes that
/// reach k successes no later than m trials are exactly the more extreme ones. That holds for every per-trial rate,
/// so also for the beta-binomial, a mixture of binomials over rates.
/// </summary>
public sealed class CurtailedBinomialTest
{
    /// <summary>Creates the test.</summary>
    /// <param name="maxTrials">Trials available.</param>
    /// <param name="chanceRate">The mean success rate per trial under the null hypothesis.</param>
    /// <param name="alpha">Family-wise level.</param>
    /// <param name="comparisons">Bonferroni factor.</param>
    /// <param name="intraClassCorrelation">How much one independent model's trials hang together (0: binomial).</param>
    public CurtailedBinomialTest(int maxTrials, double chanceRate, double alpha, int comparisons = 1, double intraClassCorrelation = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTrials, 1);
        MaxTrials = maxTrials;
        ChanceRate = chanceRate;
        Alpha = alpha;
        Comparisons = comparisons;
        IntraClassCorrelation = intraClassCorrelation;
        CriticalSuccesses = BetaBinomial.CriticalValue(maxTrials, chanceRate, intraClassCorrelation, alpha / comparisons);
    }

    /// <summary>Trials available (e.g. triggers).</summary>
    public int MaxTrials { get; }

    /// <summary>Success probability per trial under the null hypothesis.</summary>
    public double ChanceRate { get; }

    /// <summary>Family-wise level.</summary>
    public double Alpha { get; }

    /// <summary>Bonferroni factor.</summary>
    public int Comparisons { get; }

    /// <summary>The beta-binomial's intra-class correlation; 0 for the binomial.</summary>
    public double IntraClassCorrelation { get; }

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
    public HypothesisTest Result(string chanceRateSource)
    {
        var test = HypothesisTest.OverdispersedBinomial(Trials, Successes, ChanceRate, chanceRateSource, IntraClassCorrelation, Comparisons, Alpha);
        return Trials < MaxTrials ? test with { Test = test.Test + ", curtailed" } : test;
    }
}
