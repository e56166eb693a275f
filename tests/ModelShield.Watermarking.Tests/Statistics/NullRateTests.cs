using ModelShield.Watermarking.Statistics;

namespace ModelShield.Watermarking.Tests.Statistics;

[TestClass]
public sealed class NullRateTests
{
    [TestMethod]
    public void Measure_NullModelsThatDifferMore_GiveFewerEffectiveTrialsAndAHigherBound()
    {
        var alike = NullRate.Measure([20, 21, 19, 20, 20, 20], 100, 0.999);
        var spread = NullRate.Measure([5, 40, 10, 35, 15, 15], 100, 0.999);

        Assert.AreEqual(1.0, alike.DesignEffect, "less spread than a binomial: no correction");
        Assert.AreEqual((120, 600), (alike.EffectiveSuccesses, alike.EffectiveTrials));
        Assert.AreEqual(Binomial.UpperConfidenceBound(120, 600, 0.999), alike.Bound, 1e-12);
        Assert.IsGreaterThan(5.0, spread.DesignEffect);
        Assert.IsLessThan(120, spread.EffectiveTrials);
        Assert.AreEqual(600, spread.Trials);
        Assert.IsGreaterThan(alike.Bound, spread.Bound);
    }

    [TestMethod]
    public void Measure_OneModel_NoDesignEffect()
    {
        var one = NullRate.Measure([30], 100, 0.999);

        Assert.AreEqual(1.0, one.DesignEffect);
        Assert.AreEqual(Binomial.UpperConfidenceBound(30, 100, 0.999), one.Bound, 1e-12);
    }

    [TestMethod]
    public void Measure_NoSuccesses_BoundAboveZero()
    {
        var none = NullRate.Measure([0, 0, 0], 100, 0.999);

        Assert.AreEqual(1.0, none.DesignEffect);
        Assert.IsGreaterThan(0.0, none.Bound);
        Assert.IsLessThan(0.05, none.Bound);
    }

    [TestMethod]
    public void DesignEffectOf_SpreadCounts_IsObservedOverBinomialVariance()
    {
        // Pooled rate 0.2, binomial variance 0.2 * 0.8 / 100 = 0.0016; the rates' squared deviations sum to 0.1, over
        // 5 degrees of freedom 0.02: a design effect of 12.5.
        Assert.AreEqual(12.5, NullRate.DesignEffectOf([5, 40, 10, 35, 15, 15], 100), 1e-9);
        Assert.AreEqual(NullRate.DesignEffectOf([5, 40, 10, 35, 15, 15], 100), NullRate.Measure([5, 40, 10, 35, 15, 15], 100, 0.999).DesignEffect);
    }

    [TestMethod]
    public void DesignEffectBoundOf_SpreadCounts_IsTheVariancesUpperConfidenceBound()
    {
        // Six models, five degrees of freedom: the observed 12.5 times 5 over the chi-square's 10 % quantile.
        var bound = NullRate.DesignEffectBoundOf([5, 40, 10, 35, 15, 15], 100);

        Assert.AreEqual(12.5 * 5 / ChiSquare.Quantile(5, 0.1), bound, 1e-9);
        Assert.AreEqual(BetaBinomial.CorrelationFromDesignEffect(bound, 100), NullRate.IntraClassCorrelationOf([5, 40, 10, 35, 15, 15], 100), 1e-12);
    }

    [TestMethod]
    public void DesignEffectBoundOf_TwelveModelsSpreadLikeABinomial_StillAllowsForMore()
    {
        // Twelve counts whose variance is about a binomial's: the estimate says 1 (no correlation), the bound does not.
        int[] counts = [20, 25, 30, 22, 28, 25, 19, 31, 24, 26, 21, 29];

        Assert.AreEqual(1.0, NullRate.DesignEffectOf(counts, 75), 0.2);
        Assert.IsGreaterThan(1.5, NullRate.DesignEffectBoundOf(counts, 75));
        Assert.IsGreaterThan(0.0, NullRate.IntraClassCorrelationOf(counts, 75));
    }

    [TestMethod]
    public void DesignEffectBoundOf_OneModelOrIdenticalModels_One()
    {
        Assert.AreEqual(1.0, NullRate.DesignEffectBoundOf([30], 100));
        Assert.AreEqual(1.0, NullRate.DesignEffectBoundOf([30, 30, 30], 100));
        Assert.AreEqual(0.0, NullRate.IntraClassCorrelationOf([30, 30, 30], 100));
    }
}
