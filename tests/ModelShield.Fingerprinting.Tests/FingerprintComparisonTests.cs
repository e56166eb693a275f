using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Fingerprinting.Comparators;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Oip;
using static ModelShield.Fingerprinting.Tests.FingerprintFixture;

namespace ModelShield.Fingerprinting.Tests;

[TestClass]
public sealed class FingerprintComparisonTests
{
    [TestMethod]
    public async Task CompareAsync_NoisyCopiesOfOwner_Clone()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);

        foreach (var (noise, seed) in new[] { (0.0, 1), (0.05, 2), (0.1, 3) })
        {
            await using var copy = Local(temp, NoisyCopy(noise, seed), $"copy-{seed}");
            var result = await FingerprintComparison.CompareAsync(copy, fingerprint);

            Assert.IsTrue(result.IsClone, $"noise {noise}: {Describe(result)}");
            Assert.AreEqual("clone", result.Verdict);
            Assert.AreEqual(80, result.QueriesSpent);
            Assert.AreEqual(6, result.ComparatorsRun);
            Assert.IsTrue(result.Comparators.All(c => c.Test!.Comparisons == 6 && c.Test.Alpha == 1e-6));
        }
    }

    [TestMethod]
    public async Task CompareAsync_IndependentModelsNeverCalibratedOn_Independent()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);

        for (var seed = 200; seed < 210; seed++)
        {
            await using var independent = Local(temp, Independent(seed), $"independent-{seed}");
            var result = await FingerprintComparison.CompareAsync(independent, fingerprint);

            Assert.IsFalse(result.IsClone, $"seed {seed}: {Describe(result)}");
            Assert.AreEqual("independent", result.Verdict);
        }
    }

    [TestMethod]
    public async Task CompareAsync_Clone_ReportsTestTrialsChanceRateSourceAndNullFalsePositives()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);
        await using var copy = Local(temp, NoisyCopy(0.05, 9), "copy");

        var result = await FingerprintComparison.CompareAsync(copy, fingerprint);

        var labels = result.Comparators.Single(c => c.Comparator == LabelAgreementComparator.ComparatorId);
        var calibration = fingerprint.Calibration.For(labels.Comparator)!;
        Assert.AreEqual(calibration.IntraClassCorrelation, labels.Test!.IntraClassCorrelation, "the suspect is tested against the spread the null models showed");
        StringAssert.StartsWith(labels.Test.Test, calibration.IntraClassCorrelation > 0 ? "beta-binomial, one-sided" : "exact binomial, one-sided");
        Assert.AreEqual(60, labels.Test.Trials, "every labelled query; natural ones are not label trials");
        StringAssert.Contains(labels.Test.ChanceRateSource, "measured on 8 null models (given)");
        StringAssert.Contains(labels.Test.ChanceRateSource, "Clopper-Pearson");
        Assert.AreEqual(labels.Test.CriticalSuccesses, labels.SuccessesNeeded);
        Assert.AreEqual(8, labels.NullModels);
        Assert.AreEqual(0, result.NullFalsePositives, "no null model may be called a clone at the level used");
        Assert.AreEqual(20, result.AgreementByKind["mix"].Queries);
        var boundary = result.Comparators.Single(c => c.Comparator == "label-agreement/boundary");
        Assert.AreEqual(20, boundary.Test!.Trials, "one trial per boundary query");
        Assert.AreEqual(result.AgreementByKind["boundary"].Agreed, boundary.Test.Successes);
        Assert.AreNotEqual(labels.Test.ChanceRate, boundary.Test.ChanceRate, "each kind has its own measured chance rate");
        var distance = result.Comparators.Single(c => c.Comparator == OutputDistanceComparator.ComparatorId);
        Assert.AreEqual(40, distance.Test!.Trials, "one trial per misclassified or natural query");
        Assert.IsNotNull(distance.TrialThreshold);
        Assert.IsGreaterThan(fingerprint.Calibration.For(OutputDistanceComparator.ComparatorId)!.NullSuccesses.Max(), distance.Test.Successes, "the copy's outputs lie closer to the owner's than any null model's");
    }

    [TestMethod]
    public async Task CompareAsync_OverHttp_SameVerdictAndCountsAsLocalFile()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);
        var copy = NoisyCopy(0.05, 4);
        await using var server = await OipTestServer.StartAsync(copy.ToByteArray());
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), new OipPredictorOptions { Classes = Classes, BatchSize = 16 });
        await using var local = Local(temp, copy, "copy");

        var overHttp = await FingerprintComparison.CompareAsync(remote, fingerprint);
        var onFile = await FingerprintComparison.CompareAsync(local, fingerprint);

        Assert.IsTrue(overHttp.IsClone, Describe(overHttp));
        Assert.IsFalse(overHttp.LabelsOnly);
        Assert.AreEqual(80, overHttp.QueriesSpent);
        Assert.AreEqual(5, server.InferRequests, "80 rows in requests of 16");
        CollectionAssert.AreEqual(onFile.Comparators.Select(c => c.Test!.Successes).ToArray(), overHttp.Comparators.Select(c => c.Test!.Successes).ToArray());
    }

    [TestMethod]
    public async Task CompareAsync_LabelsOnlyEndpoint_RunsLabelComparatorAloneAndSaysWhatThatWeakens()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);
        await using var server = await OipTestServer.StartAsync(NoisyCopy(0.05, 5).ToByteArray(), new OipTestServerOptions { LabelsOnly = true });
        await using var remote = await OipPredictor.ConnectAsync(server.ModelUrl.ToString(), new OipPredictorOptions { Classes = Classes });

        var result = await FingerprintComparison.CompareAsync(remote, fingerprint);

        Assert.IsTrue(result.LabelsOnly);
        Assert.AreEqual(4, result.ComparatorsRun, "Bonferroni over the four label comparators that ran");
        foreach (var id in new[] { OutputDistanceComparator.ComparatorId, OutputDistanceComparator.TailComparatorId })
        {
            var needsScores = result.Comparators.Single(c => c.Comparator == id);
            Assert.IsNull(needsScores.Test, id);
            StringAssert.Contains(needsScores.NotRunReason, "labels only");
        }


        var labels = result.Comparators.Single(c => c.Comparator == LabelAgreementComparator.ComparatorId);
        Assert.AreEqual(4, labels.Test!.Comparisons);
        Assert.IsTrue(result.IsClone, Describe(result));
        Assert.IsTrue(result.Notes.Any(n => n.Contains("labels only", StringComparison.Ordinal) && n.Contains("output-distance/tail", StringComparison.Ordinal) && n.Contains("distillation", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task CompareAsync_KitRecordedBeforeTheTailComparator_RunsTheOthersAndCorrectsForThemAlone()
    {
        using var temp = new TempFolder();
        var recorded = await RecordAsync(temp);
        var calibration = recorded.Calibration with { Comparators = [.. recorded.Calibration.Comparators.Where(c => c.Comparator != OutputDistanceComparator.TailComparatorId)] };
        var fingerprint = new Fingerprint(recorded.EntryId, recorded.Queries, recorded.Owner, calibration);
        await using var copy = Local(temp, NoisyCopy(0.0, 1), "copy");

        var result = await FingerprintComparison.CompareAsync(copy, fingerprint);

        Assert.AreEqual(5, result.ComparatorsRun);
        var tail = result.Comparators.Single(c => c.Comparator == OutputDistanceComparator.TailComparatorId);
        Assert.IsNull(tail.Test);
        StringAssert.Contains(tail.NotRunReason, "no calibration");
        Assert.IsTrue(result.Comparators.Where(c => c.Test is not null).All(c => c.Test!.Comparisons == 5));
        Assert.IsTrue(result.IsClone, Describe(result));
    }

    [TestMethod]
    public async Task CompareAsync_BudgetBelowQueryCount_SendsOnlyThatManyAndTestsThePrefix()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);
        await using var copy = Local(temp, NoisyCopy(0.0, 1), "copy", new PredictorOptions { MaxQueries = 30 });

        var result = await FingerprintComparison.CompareAsync(copy, fingerprint);

        Assert.AreEqual(30, result.QueriesSpent);
        Assert.AreEqual(23, result.Comparators.Single(c => c.Comparator == LabelAgreementComparator.ComparatorId).Test!.Trials, "the 30 answered less the 7 natural ones");
        var realSamples = Enumerable.Range(0, 30).Count(i => QueryKinds.RealSamples.Contains(fingerprint.Queries.Kinds[i]));
        Assert.AreEqual(realSamples, result.Comparators.Single(c => c.Comparator == OutputDistanceComparator.ComparatorId).Test!.Trials, "the real samples among the 30 answered");
        Assert.IsTrue(result.Notes.Any(n => n.Contains("30 of 80", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task CompareAsync_SuspectWithOtherInputShape_MS7102()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);
        await using var other = Local(temp, ModelShield.Testing.Models.TinyModels.Mlp(32, 16, Classes, 3), "other");

        var e = await Assert.ThrowsExactlyAsync<ModelShieldException>(() => FingerprintComparison.CompareAsync(other, fingerprint));

        Assert.AreEqual(ErrorCodes.FingerprintIncompatible, e.Code);
    }

    private static string Describe(FingerprintComparison r) =>
        string.Join("; ", r.Comparators.Select(c => $"{c.Comparator} {c.Test?.Successes}/{c.Test?.Trials} rate {c.Test?.ChanceRate:0.###} p {c.Test?.Log10CorrectedPValue:0.0}"));
}
