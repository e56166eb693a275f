using ModelShield.Watermarking.Statistics;

namespace ModelShield.Watermarking.Tests.Statistics;

[TestClass]
public sealed class ChiSquareTests
{
    [TestMethod]
    public void Cdf_TwoDegreesOfFreedom_IsTheExponential()
    {
        // With two degrees of freedom the chi-square is an exponential of mean 2: P(X <= x) = 1 - exp(-x / 2).
        foreach (var x in new[] { 0.1, 1.0, 4.0, 20.0 })
        {
            Assert.AreEqual(1 - Math.Exp(-x / 2), ChiSquare.Cdf(2, x), 1e-12);
        }
    }

    [TestMethod]
    [DataRow(1, 0.1, 0.01579)]
    [DataRow(5, 0.1, 1.6103)]
    [DataRow(11, 0.1, 5.5778)]
    [DataRow(11, 0.9, 17.2750)]
    [DataRow(29, 0.05, 17.7084)]
    [DataRow(999, 0.1, 942.2)]
    public void Quantile_TabledDegreesOfFreedom_MatchesTheTable(int degreesOfFreedom, double probability, double tabled)
    {
        // Tables give four or five digits; the large case (whose series terms pass 1e308) is the Wilson-Hilferty value.
        Assert.AreEqual(tabled, ChiSquare.Quantile(degreesOfFreedom, probability), degreesOfFreedom > 100 ? 0.5 : 5e-4);
    }
}
