using ModelShield.Fingerprinting.Comparators;

namespace ModelShield.Fingerprinting.Tests.Comparators;

[TestClass]
public sealed class OutputDistanceComparatorTests
{
    [TestMethod]
    public void Distance_SameOutputs_Zero()
    {
        float[] p = [0.7f, 0.2f, 0.1f];

        Assert.AreEqual(0, OutputDistanceComparator.Distance(p, p, OutputDistanceComparator.Default.ProbabilityFloor), 1e-12);
    }

    [TestMethod]
    public void Distance_SameTopClassOtherDarkKnowledge_FartherThanSameRanking()
    {
        // The same label in all three; only how the unlikely classes are ranked and weighed differs.
        float[] owner = [0.90f, 0.08f, 0.02f];
        float[] student = [0.85f, 0.11f, 0.04f];
        float[] independent = [0.90f, 0.02f, 0.08f];

        var floor = OutputDistanceComparator.Default.ProbabilityFloor;

        Assert.IsLessThan(OutputDistanceComparator.Distance(owner, independent, floor), OutputDistanceComparator.Distance(owner, student, floor));
    }

    [TestMethod]
    public void Distance_ZeroProbabilities_FiniteThroughTheFloor()
    {
        float[] saturated = [1f, 0f, 0f];
        float[] other = [0f, 1f, 0f];

        var floor = OutputDistanceComparator.Default.ProbabilityFloor;

        var distance = OutputDistanceComparator.Distance(saturated, other, floor);

        Assert.IsTrue(double.IsFinite(distance));
        Assert.AreEqual(Math.Sqrt(2) * -Math.Log(floor), distance, 1e-9);
    }

    [TestMethod]
    public void Distance_UnlikelyClassesBelowTheDefaultFloor_OnlyTheTailTellsTheirRanking()
    {
        // Confident answers: every unlikely class below 1e-6. The student ranks them as the owner does, the
        // independent model in reverse.
        float[] owner = [1f, 1e-7f, 1e-8f, 1e-9f];
        float[] student = [1f, 2e-7f, 2e-8f, 3e-9f];
        float[] independent = [1f, 1e-9f, 1e-8f, 1e-7f];
        var floor = OutputDistanceComparator.Default.ProbabilityFloor;
        var tail = OutputDistanceComparator.Tail.ProbabilityFloor;

        Assert.AreEqual(0, OutputDistanceComparator.Distance(owner, independent, floor), 1e-12, "the default floor sees all the unlikely classes as equal");
        Assert.IsLessThan(OutputDistanceComparator.Distance(owner, independent, tail), OutputDistanceComparator.Distance(owner, student, tail));
    }
}
