using ModelShield.Errors;
using ModelShield.Fingerprinting.Calibration;
using ModelShield.Fingerprinting.Comparators;
using ModelShield.Fingerprinting.Queries;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Testing.Files;
using ModelShield.Watermarking.Statistics;
using static ModelShield.Fingerprinting.Tests.FingerprintFixture;

namespace ModelShield.Fingerprinting.Tests;

[TestClass]
public sealed class FingerprintRecordingTests
{
    [TestMethod]
    public async Task RecordAsync_ThenKitEntryRoundTrip_KeepsQueriesAnswersAndCalibration()
    {
        using var temp = new TempFolder();
        var recorded = await RecordAsync(temp);

        var entry = recorded.ToKitEntry(new string('0', 64));
        var read = Fingerprint.FromKitEntry(entry);

        Assert.AreEqual(Fingerprint.SchemeId, entry.Scheme);
        Assert.AreEqual(80, entry.Summary["queries"]!.GetValue<int>());
        Assert.DoesNotContain("Base64", entry.Summary.ToJsonString(), "the summary carries no query");
        CollectionAssert.AreEqual(recorded.Queries.Inputs, read.Queries.Inputs);
        CollectionAssert.AreEqual(recorded.Queries.Kinds.ToArray(), read.Queries.Kinds.ToArray());
        CollectionAssert.AreEqual(recorded.Owner.Labels, read.Owner.Labels);
        CollectionAssert.AreEqual(recorded.Owner.Probabilities, read.Owner.Probabilities);
        Assert.AreEqual(recorded.Calibration.Comparators.Count, read.Calibration.Comparators.Count);
        for (var i = 0; i < read.Calibration.Comparators.Count; i++)
        {
            var (a, b) = (recorded.Calibration.Comparators[i], read.Calibration.Comparators[i]);
            Assert.AreEqual(a with { NullSuccesses = [] }, b with { NullSuccesses = [] });
            CollectionAssert.AreEqual(a.NullSuccesses.ToArray(), b.NullSuccesses.ToArray());
        }
    }

    [TestMethod]
    public async Task RecordAsync_OwnerAnswers_AreWhatTheOwnerModelSays()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);
        await using var owner = Local(temp, Owner, "owner-again");

        var answers = await QueryAnswers.AskAsync(owner, fingerprint.Queries, fingerprint.Queries.Count, Classes);

        CollectionAssert.AreEqual(answers.Labels, fingerprint.Owner.Labels);
        Assert.AreEqual(Classes, fingerprint.Classes);
    }

    [TestMethod]
    public async Task Calibrate_ChanceRateIsTheNullModelsUpperBound_AndDependsOnNullsOnly()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);

        foreach (var c in fingerprint.Calibration.Comparators)
        {
            var trials = c.TrialsPerModel * c.NullSuccesses.Count;
            Assert.AreEqual(NullRate.Measure(c.NullSuccesses, c.TrialsPerModel, 0.999).Bound, c.ChanceRate, 1e-12, c.Comparator);
            Assert.IsGreaterThanOrEqualTo(Binomial.UpperConfidenceBound(c.NullSuccesses.Sum(), trials, 0.999) - 1e-12, c.ChanceRate, "never below the plain pooled bound");
            Assert.IsGreaterThan((double)c.NullSuccesses.Sum() / trials, c.ChanceRate, "the bound lies above the measured rate");
            Assert.AreEqual(8, c.NullSuccesses.Count);
        }

        // Recording again with the same nulls gives the same calibration: no suspect, copy or negative takes part in it.
        var again = await RecordAsync(temp);
        for (var i = 0; i < again.Calibration.Comparators.Count; i++)
        {
            Assert.AreEqual(fingerprint.Calibration.Comparators[i].ChanceRate, again.Calibration.Comparators[i].ChanceRate);
            Assert.AreEqual(fingerprint.Calibration.Comparators[i].TrialThreshold, again.Calibration.Comparators[i].TrialThreshold);
        }
    }

    [TestMethod]
    public async Task Calibrate_OutputDistanceThreshold_IsTheNullQuantile()
    {
        using var temp = new TempFolder();
        var fingerprint = await RecordAsync(temp);

        var c = fingerprint.Calibration.For(OutputDistanceComparator.ComparatorId)!;

        // About one null answer in ten lies within the threshold (ties aside): the measured rate sits near 0.1.
        var rate = (double)c.NullSuccesses.Sum() / (c.TrialsPerModel * c.NullSuccesses.Count);
        Assert.IsInRange(0.08, 0.2, rate);
    }

    [TestMethod]
    public async Task RecordAsync_TwoNullModels_MS7103()
    {
        using var temp = new TempFolder();

        var e = await Assert.ThrowsExactlyAsync<ModelShieldException>(() => RecordAsync(temp, nullModels: 2));

        Assert.AreEqual(ErrorCodes.NullModelsInsufficient, e.Code);
        StringAssert.Contains(e.Message, "at least 3");
    }

    [TestMethod]
    public void ComparatorRegistry_UnknownId_MS7100ListingKnownOnes()
    {
        var e = Assert.ThrowsExactly<ModelShieldException>(() => ComparatorRegistry.Get("weights"));

        Assert.AreEqual(ErrorCodes.UnknownComparator, e.Code);
        StringAssert.Contains(e.Message, "label-agreement, label-agreement/misclassified, label-agreement/mix, label-agreement/boundary, output-distance, output-distance/tail");
        Assert.AreEqual("label-agreement", ComparatorRegistry.Get("label-agreement").Id);
    }

    [TestMethod]
    public void QuerySet_FromJsonWithTruncatedRows_MS7104()
    {
        var json = NewQueries().ToJson();
        json["inputsFloat32Base64"] = Convert.ToBase64String(new byte[12]);

        var e = Assert.ThrowsExactly<ModelShieldException>(() => QuerySet.FromJson(json));

        Assert.AreEqual(ErrorCodes.FingerprintEntryMalformed, e.Code);
    }

    [TestMethod]
    public void FromKitEntry_WeightWatermarkEntry_MS7005()
    {
        var entry = new ModelShield.Watermarking.Kits.KitEntry("id", "weights", DateTimeOffset.UtcNow, "", [], []);

        var e = Assert.ThrowsExactly<ModelShieldException>(() => Fingerprint.FromKitEntry(entry));

        Assert.AreEqual(ErrorCodes.KitEntryMissing, e.Code);
    }

    [TestMethod]
    public async Task AskAsync_LabelsOnlyOwner_CannotRecord()
    {
        using var temp = new TempFolder();
        await using var owner = Local(temp, Owner, "owner", new PredictorOptions());
        var labelsOnly = new QueryAnswers([1, 2], null, Classes);

        Assert.IsNull(labelsOnly.Probabilities);
        Assert.ThrowsExactly<InvalidOperationException>(() => labelsOnly.Row(0));
        Assert.AreEqual(Classes, (await QueryAnswers.AskAsync(owner, NewQueries(), 3, null)).Classes, "the class count comes from the scores");
    }
}
