using Google.Protobuf;
using ModelShield.Onnx.Inference;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Testing.Models;
using ModelShield.Testing.Oip;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;
using ModelShield.Watermarking.Triggers;

namespace ModelShield.Watermarking.Tests.Triggers;

/// <summary>
/// Black-box trigger tests against real ONNX models: one that has memorized the kit's triggers (as an
/// embedded model would) and independent ones; locally and over the Open Inference Protocol.
/// Embedding by fine-tuning is tested with the lab.
/// </summary>
[TestClass]
public sealed class TriggerWatermarkTests
{
    [TestMethod]
    public async Task DetectAsync_ModelAnsweringTriggers_DetectedEarlyWithFewQueries()
    {
        var (_, _, triggers) = NewTriggerSet();
        await using var suspect = new LocalPredictor(Open(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10)));

        var detection = await TriggerWatermark.DetectAsync(suspect, triggers, TriggerWatermark.AnalyticChanceRate(10), 1e-6);

        Assert.IsTrue(detection.Detected, detection.ToString());
        Assert.AreEqual(1.0, detection.TriggerAccuracy);
        Assert.IsLessThan(100L, detection.QueriesSpent, "the curtailed test stops once the verdict is settled");
        Assert.AreEqual((long)Math.Ceiling(detection.Test.Trials / 10.0) * 10, detection.QueriesSpent, "queries go in batches of 10");
        Assert.AreEqual(detection.Test.Successes, new CurtailedBinomialTest(100, 0.1, 1e-6).CriticalSuccesses);
        StringAssert.Contains(detection.Test.Test, "curtailed");
    }

    [TestMethod]
    public async Task DetectAsync_NoEarlyStop_SendsEveryTriggerSameVerdict()
    {
        var (_, _, triggers) = NewTriggerSet();
        await using var suspect = new LocalPredictor(Open(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10)));

        var detection = await TriggerWatermark.DetectAsync(suspect, triggers, TriggerWatermark.AnalyticChanceRate(10), 1e-6, stopEarly: false);

        Assert.IsTrue(detection.Detected);
        Assert.AreEqual(100L, detection.QueriesSpent);
        Assert.AreEqual(100, detection.Test.Trials);
        Assert.AreEqual(1.0, detection.TriggerAccuracy);
        Assert.AreEqual("exact binomial, one-sided", detection.Test.Test);
        Assert.AreEqual(-100, detection.Test.Log10PValue, 1e-9);
    }

    [TestMethod]
    public async Task DetectAsync_IndependentModel_NotDetected()
    {
        var (_, _, triggers) = NewTriggerSet();
        for (var seed = 1; seed <= 5; seed++)
        {
            await using var suspect = new LocalPredictor(Open(TinyModels.Mlp(784, 64, 10, seed)));

            var detection = await TriggerWatermark.DetectAsync(suspect, triggers, TriggerWatermark.AnalyticChanceRate(10), 1e-6);

            Assert.IsFalse(detection.Detected, $"seed {seed}: {detection}");
        }
    }

    [TestMethod]
    public async Task DetectAsync_OverOpenInferenceProtocol_SameVerdictAsLocal()
    {
        var (_, _, triggers) = NewTriggerSet();
        var model = TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10).ToByteArray();
        await using var server = await OipTestServer.StartAsync(model, new OipTestServerOptions { LabelsOnly = true });
        await using var suspect = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), new OipPredictorOptions { Classes = 10 });

        var detection = await TriggerWatermark.DetectAsync(suspect, triggers, TriggerWatermark.AnalyticChanceRate(10), 1e-6);

        Assert.IsTrue(detection.Detected, detection.ToString());
        Assert.IsTrue(detection.LabelsOnly);
        Assert.IsGreaterThan(0, server.InferRequests);
    }

    [TestMethod]
    public async Task DetectAsync_BudgetBelowCriticalCount_FixedBudgetTestOnAnswersSeen()
    {
        var (_, _, triggers) = NewTriggerSet();
        await using var suspect = new LocalPredictor(Open(TinyModels.Memorizer(triggers.Inputs, triggers.Labels, 10)), new PredictorOptions { MaxQueries = 15 });

        var detection = await TriggerWatermark.DetectAsync(suspect, triggers, TriggerWatermark.AnalyticChanceRate(10), 1e-6);

        Assert.IsTrue(detection.StoppedByBudget);
        Assert.AreEqual(15L, detection.QueriesSpent);
        Assert.AreEqual(15, detection.Test.Trials);
        // A budget fixed in advance keeps the exact test valid: 15 of 15 at chance 1/10 is p = 1e-15.
        Assert.AreEqual(-15, detection.Test.Log10PValue, 1e-9);
        Assert.IsTrue(detection.Detected);
    }

    [TestMethod]
    public void Regenerate_FromKitEntry_SameTriggers()
    {
        var (kit, entry, triggers) = NewTriggerSet();

        var again = TriggerWatermark.Regenerate(kit, entry);

        CollectionAssert.AreEqual(triggers.Inputs, again.Inputs);
        CollectionAssert.AreEqual(triggers.Labels, again.Labels);
    }

    [TestMethod]
    public void MeasuredChanceRate_NullModelsAboveAnalytic_UsesUpperBound()
    {
        var chance = TriggerWatermark.MeasuredChanceRate([20, 25, 18, 22], 100, 10);

        Assert.IsGreaterThan(0.2125, chance.Rate, "above the pooled rate 85/400");
        Assert.IsLessThan(0.3, chance.Rate);
        StringAssert.Contains(chance.Source, "measured");
    }

    [TestMethod]
    public void MeasuredChanceRate_NullModelsSpreadMoreThanBinomial_TestsWithBetaBinomial()
    {
        var spread = TriggerWatermark.MeasuredChanceRate([5, 40, 12, 30], 100, 10);
        var even = TriggerWatermark.MeasuredChanceRate([20, 21, 19, 20], 100, 10);

        Assert.IsGreaterThan(0, spread.IntraClassCorrelation);
        Assert.AreEqual(0, even.IntraClassCorrelation, "no more spread than a binomial's: the binomial test");
        StringAssert.StartsWith(spread.Test(100, 60, 1, 1e-6).Test, "beta-binomial");
        Assert.IsGreaterThan(
            HypothesisTest.ExactBinomial(100, 60, spread.Rate, spread.Source).Log10PValue,
            spread.Test(100, 60, 1, 1e-6).Log10PValue,
            "the population's spread makes a high count less surprising");
    }

    [TestMethod]
    public void MeasuredChanceRate_NullModelsBelowAnalytic_NeverBelowOneOverClasses()
    {
        var chance = TriggerWatermark.MeasuredChanceRate([0, 1, 0, 0, 0, 0, 0, 0, 0, 0], 100, 10);

        Assert.AreEqual(0.1, chance.Rate);
    }

    private static (OwnerKit Kit, KitEntry Entry, TriggerSet Triggers) NewTriggerSet()
    {
        var kit = OwnerKit.CreateNew();
        var entry = TriggerWatermark.NewEntry("noise", 100, [784], 10);
        kit.Add(entry);
        return (kit, entry, TriggerWatermark.Regenerate(kit, entry));
    }

    private static OnnxInference Open(ModelShield.Onnx.Schema.ModelProto model) => OnnxInference.FromBytes(model.ToByteArray());
}
