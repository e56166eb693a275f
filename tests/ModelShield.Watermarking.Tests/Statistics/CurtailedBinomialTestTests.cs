using ModelShield.Watermarking.Statistics;

namespace ModelShield.Watermarking.Tests.Statistics;

[TestClass]
public sealed class CurtailedBinomialTestTests
{
    [TestMethod]
    public void Record_AllSuccesses_DecidesAtCriticalCountAndRejects()
    {
        var test = new CurtailedBinomialTest(100, 0.1, 1e-6);

        while (!test.Decided)
        {
            test.Record(true);
        }

        Assert.AreEqual(test.CriticalSuccesses, test.Trials, "stops as soon as the critical count is reached");
        Assert.IsLessThan(100, test.Trials);
        Assert.IsTrue(test.Result("analytic").Rejected);
        StringAssert.Contains(test.Result("analytic").Test, "curtailed");
    }

    [TestMethod]
    public void Record_AllFailures_StopsWhenCriticalCountUnreachable()
    {
        var test = new CurtailedBinomialTest(100, 0.1, 1e-6);

        while (!test.Decided)
        {
            test.Record(false);
        }

        Assert.AreEqual(100 - test.CriticalSuccesses + 1, test.Trials);
        Assert.IsFalse(test.Result("analytic").Rejected);
    }

    [TestMethod]
    public void Verdict_RandomSequences_SameAsFullTest()
    {
        var random = new Random(11);
        for (var run = 0; run < 300; run++)
        {
            var rate = random.NextDouble() * 0.6;
            var outcomes = Enumerable.Range(0, 100).Select(_ => random.NextDouble() < rate).ToArray();
            var curtailed = new CurtailedBinomialTest(100, 0.1, 1e-6);
            foreach (var o in outcomes)
            {
                if (curtailed.Decided)
                {
                    break;
                }

                curtailed.Record(o);
            }

            var full = HypothesisTest.ExactBinomial(100, outcomes.Count(o => o), 0.1, "analytic");
            Assert.AreEqual(full.Rejected, curtailed.Result("analytic").Rejected, $"run {run}, rate {rate}");
        }
    }
}
