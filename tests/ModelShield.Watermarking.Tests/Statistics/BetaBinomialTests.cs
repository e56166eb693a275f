using ModelShield.Watermarking.Statistics;

namespace ModelShield.Watermarking.Tests.Statistics;

[TestClass]
public sealed class BetaBinomialTests
{
    [TestMethod]
    public void Log10UpperTail_SmallCase_MatchesHandCount()
    {
        // Beta(2, 3): mean 0.4, correlation 1 / (2 + 3 + 1). P(X = x) = C(5, x) B(x + 2, 8 - x) / B(2, 3), B(2, 3) = 1/12:
        // x = 4: 5 * (1/504) * 12 = 5/42; x = 5: (1/252) * 12 = 2/42; together 1/6.
        Assert.AreEqual(1.0 / 6, Math.Pow(10, BetaBinomial.Log10UpperTail(5, 4, 0.4, 1.0 / 6)), 1e-12);
    }

    [TestMethod]
    public void Log10UpperTail_AgainstNumericalIntegrationOverTheRates_Agrees()
    {
        // The oracle: integrate the binomial tail over the Beta(a, b) density of the rate (midpoint rule), with the
        // density's normalizer found by the same integration, so nothing is shared with the code under test.
        const double a = 3.1, b = 10.8;
        const int n = 34, steps = 200_000;
        foreach (var k in new[] { 5, 15, 25, 34 })
        {
            double weighted = 0, mass = 0;
            for (var i = 0; i < steps; i++)
            {
                var rate = (i + 0.5) / steps;
                var density = Math.Pow(rate, a - 1) * Math.Pow(1 - rate, b - 1);
                weighted += density * Binomial.UpperTail(n, k, rate);
                mass += density;
            }

            var expected = weighted / mass;
            var actual = Math.Pow(10, BetaBinomial.Log10UpperTail(n, k, a / (a + b), 1 / (a + b + 1)));
            Assert.AreEqual(1, actual / expected, 1e-4, $"k = {k}");
        }
    }

    [TestMethod]
    public void Log10UpperTail_NoCorrelation_IsTheBinomial()
    {
        Assert.AreEqual(Binomial.Log10UpperTail(75, 50, 0.3), BetaBinomial.Log10UpperTail(75, 50, 0.3, 0));
    }

    [TestMethod]
    public void Log10UpperTail_MoreCorrelation_HeavierUpperTail()
    {
        var tails = new[] { 0, 0.01, 0.05, 0.2 }.Select(r => BetaBinomial.Log10UpperTail(75, 60, 0.3, r)).ToList();

        CollectionAssert.AreEqual(tails.Order().ToList(), tails, "a population whose rates spread more reaches a high count more often");
        Assert.IsLessThan(-15.0, tails[0]);
        Assert.IsGreaterThan(-6.0, tails[3]);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(0.013)]
    [DataRow(0.067)]
    [DataRow(0.3)]
    public void CriticalValue_AnyCorrelation_IsTheFewestSuccessesThatReject(double correlation)
    {
        const int n = 50;
        var needed = BetaBinomial.CriticalValue(n, 0.2, correlation, 1e-6 / 6);

        var fewest = Enumerable.Range(0, n + 1).FirstOrDefault(k => BetaBinomial.Log10UpperTail(n, k, 0.2, correlation) <= Math.Log10(1e-6 / 6), n + 1);
        Assert.AreEqual(fewest, needed);
    }

    [TestMethod]
    public void CorrelationFromDesignEffect_InvertsTheDesignEffect()
    {
        Assert.AreEqual(0, BetaBinomial.CorrelationFromDesignEffect(1, 75));
        Assert.AreEqual(4.97 / 74, BetaBinomial.CorrelationFromDesignEffect(5.97, 75), 1e-12);
        Assert.AreEqual(0, BetaBinomial.CorrelationFromDesignEffect(3, 1), "one trial per model carries no correlation");
        Assert.IsLessThan(1.0, BetaBinomial.CorrelationFromDesignEffect(75, 75));
    }

    [TestMethod]
    public void OverdispersedBinomial_Correlated_NamesTheTestAndKeepsTheCounts()
    {
        var test = HypothesisTest.OverdispersedBinomial(34, 34, 0.224, "measured", 0.067, comparisons: 5);
        var plain = HypothesisTest.OverdispersedBinomial(34, 34, 0.224, "measured", 0, comparisons: 5);

        StringAssert.StartsWith(test.Test, "beta-binomial, one-sided");
        Assert.AreEqual((34, 34), (test.Trials, test.Successes));
        Assert.AreEqual(BetaBinomial.Log10UpperTail(34, 34, 0.224, 0.067), test.Log10PValue);
        Assert.AreEqual(HypothesisTest.ExactBinomial(34, 34, 0.224, "measured", 5), plain);
        Assert.AreEqual(BetaBinomial.CriticalValue(34, 0.224, 0.067, 1e-6 / 5), test.CriticalSuccesses);
    }
}
