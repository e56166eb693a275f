using ModelShield.Fingerprinting.Comparators;

namespace ModelShield.Fingerprinting.Tests.Comparators;

[TestClass]
public sealed class OutputDistanceComparatorTests
{
    [TestMethod]
    public void Distance_SameOutputs_Zero()
    {
        float[] p = [0.7f, 0.2f, 0.1f];

        Assert.AreEqual(0, OutputDistanceComparator.Distance(p, p), 1e-12);
    }

    [TestMethod]
    public void Distance_SameTopClassOtherDarkKnowledge_FartherThanSameRanking()
    {
        // The same label in all three; only how the unlikely classes are ranked and weighed differs.
        float[] owner = [0.90f, 0.08f, 0.02f];
        float[] student = [0.85f, 0.11f, 0.04f];
        float[] independent = [0.90f, 0.02f, 0.08f];

        Assert.IsLessThan(OutputDistanceComparator.Distance(owner, independent), OutputDistanceComparator.Distance(owner, student));
    }

    [TestMethod]
    public void Distance_ZeroProbabilities_FiniteThroughTheFloor()
    {
        float[] saturated = [1f, 0f, 0f];
        float[] other = [0f, 1f, 0f];

        var distance = OutputDistanceComparator.Distance(saturated, other);

        Assert.IsTrue(double.IsFinite(distance));
        Assert.AreEqual(Math.Sqrt(2) * -Math.Log(OutputDistanceComparator.ProbabilityFloor), distance, 1e-9);
    }
}
