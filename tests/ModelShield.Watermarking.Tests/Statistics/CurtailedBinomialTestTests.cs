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
    [DataRow(0.0)]
    [DataRow(0.05)]
    public void Verdict_RandomSequences_SameAsFullTest(double correlation)
    {
        var random = new Random(11);
        for (var run = 0; run < 300; run++)
        {
            var rate = random.NextDouble() * 0.6;
            var outcomes = Enumerable.Range(0, 100).Select(_ => random.NextDouble() < rate).ToArray();
            var curtailed = new CurtailedBinomialTest(100, 0.1, 1e-6, intraClassCorrelation: correlation);
            foreach (var o in outcomes)
            {
                if (curtailed.Decided)
                {
                    break;
                }

                curtailed.Record(o);
            }

            var full = HypothesisTest.OverdispersedBinomial(100, outcomes.Count(o => o), 0.1, "analytic", correlation);
            Assert.AreEqual(full.Rejected, curtailed.Result("analytic").Rejected, $"run {run}, rate {rate}");
        }
    }

    [TestMethod]
    public void Result_Correlated_IsTheBetaBinomialTailOfTheTrialsSeen()
    {
        var test = new CurtailedBinomialTest(100, 0.1, 1e-6, intraClassCorrelation: 0.05);
        for (var i = 0; i < 20; i++)
        {
            test.Record(i % 2 == 0);
        }

        var result = test.Result("measured");

        Assert.AreEqual(BetaBinomial.Log10UpperTail(20, 10, 0.1, 0.05), result.Log10PValue, 1e-12);
        Assert.AreEqual(0.05, result.IntraClassCorrelation);
        StringAssert.StartsWith(result.Test, "beta-binomial");
        StringAssert.EndsWith(result.Test, "curtailed");
    }

    [TestMethod]
    public void Rejected_ModelsWhoseRatesVary_BetaBinomialKeepsTheLevelWhereBinomialDoesNot()
    {
        // Each simulated model answers like a Polya urn with a = 1.8, b = 7.2: exactly a model whose rate is drawn from
        // Beta(1.8, 7.2) (mean 0.2, intra-class correlation 0.1). Tested at its mean rate, the binomial test calls far more
        // of these independent models copies than its level allows; the beta-binomial stays within it.
        const double a = 1.8, b = 7.2, level = 0.05;
        const int trials = 50, runs = 4000;
        var random = new Random(5);
        int binomialRejects = 0, betaBinomialRejects = 0;
        for (var run = 0; run < runs; run++)
        {
            var binomial = new CurtailedBinomialTest(trials, 0.2, level);
            var betaBinomial = new CurtailedBinomialTest(trials, 0.2, level, intraClassCorrelation: 0.1);
            var successes = 0;
            for (var t = 0; t < trials; t++)
            {
                var success = random.NextDouble() < (a + successes) / (a + b + t);
                successes += success ? 1 : 0;
                if (!binomial.Decided)
                {
                    binomial.Record(success);
                }

                if (!betaBinomial.Decided)
                {
                    betaBinomial.Record(success);
                }
            }

            binomialRejects += binomial.Result("simulated").Rejected ? 1 : 0;
            betaBinomialRejects += betaBinomial.Result("simulated").Rejected ? 1 : 0;
        }

        // 4000 runs: a share's standard error at 0.05 is about 0.0035.
        Assert.IsLessThan(level + 0.012, (double)betaBinomialRejects / runs);
        Assert.IsGreaterThan(2 * level, (double)binomialRejects / runs);
    }
}
