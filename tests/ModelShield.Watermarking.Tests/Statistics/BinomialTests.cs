using ModelShield.Watermarking.Statistics;

namespace ModelShield.Watermarking.Tests.Statistics;

[TestClass]
public sealed class BinomialTests
{
    [TestMethod]
    public void UpperTail_SmallCase_MatchesHandCount()
    {
        // P(X >= 8), X ~ Binomial(10, 1/2) = (45 + 10 + 1) / 1024.
        Assert.AreEqual(56.0 / 1024, Binomial.UpperTail(10, 8, 0.5), 1e-12);
    }

    [TestMethod]
    public void Log10UpperTail_AllOf256FairCoins_IsMinus256Log2()
    {
        Assert.AreEqual(-256 * Math.Log10(2), Binomial.Log10UpperTail(256, 256, 0.5), 1e-9);
    }

    [TestMethod]
    public void Log10UpperTail_FarBelowDoubleRange_StaysFinite()
    {
        var log10 = Binomial.Log10UpperTail(4000, 4000, 0.1);

        Assert.AreEqual(-4000.0, log10, 1e-6);
    }

    [TestMethod]
    public void UpperTail_BiasedCoin_MatchesDirectSum()
    {
        // P(X >= 3), X ~ Binomial(5, 0.2) = C(5,3) .2^3 .8^2 + C(5,4) .2^4 .8 + .2^5
        var expected = (10 * 0.008 * 0.64) + (5 * 0.0016 * 0.8) + 0.00032;

        Assert.AreEqual(expected, Binomial.UpperTail(5, 3, 0.2), 1e-12);
    }

    [TestMethod]
    public void CriticalValue_256BitsAtOneInAMillion_IsSmallestRejectingCount()
    {
        var k = Binomial.CriticalValue(256, 0.5, 1e-6);

        Assert.IsLessThanOrEqualTo(-6, Binomial.Log10UpperTail(256, k, 0.5));
        Assert.IsGreaterThan(-6, Binomial.Log10UpperTail(256, k - 1, 0.5));
    }

    [TestMethod]
    public void ExactBinomial_Bonferroni_MultipliesPValueByComparisons()
    {
        var one = HypothesisTest.ExactBinomial(256, 170, 0.5, "analytic");
        var ten = HypothesisTest.ExactBinomial(256, 170, 0.5, "analytic", comparisons: 10);

        Assert.AreEqual(one.Log10PValue + 1, ten.Log10CorrectedPValue, 1e-12);
        Assert.AreEqual(one.Log10PValue, ten.Log10PValue);
    }

    [TestMethod]
    public void ExactBinomial_HalfTheBits_NotRejected()
    {
        var test = HypothesisTest.ExactBinomial(256, 128, 0.5, "analytic");

        Assert.IsFalse(test.Rejected);
        Assert.IsGreaterThan(0.4, test.PValue);
    }

    [TestMethod]
    public void FormatPValue_Tiny_ScientificWithExponent()
    {
        Assert.AreEqual("1.0e-400", HypothesisTest.FormatPValue(-400));
        Assert.AreEqual("0.05", HypothesisTest.FormatPValue(Math.Log10(0.05)));
    }
}
