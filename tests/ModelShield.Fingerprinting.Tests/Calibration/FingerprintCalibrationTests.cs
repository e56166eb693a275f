using ModelShield.Fingerprinting.Calibration;
using ModelShield.Watermarking.Statistics;

namespace ModelShield.Fingerprinting.Tests.Calibration;

[TestClass]
public sealed class FingerprintCalibrationTests
{
    // Null counts of a real record (full-mlp zoo, 2026-12-06, six reference models): the three CNNs agree with the MLP
    // owner far less than the three MLPs, on every kind of query; output distance spreads no more than a binomial.
    private static readonly (string Id, int Trials, int[] Counts)[] SplitByArchitecture =
    [
        ("label-agreement", 75, [16, 16, 20, 33, 33, 38]),
        ("label-agreement/misclassified", 25, [9, 9, 12, 14, 15, 14]),
        ("label-agreement/mix", 30, [4, 5, 6, 13, 11, 14]),
        ("label-agreement/boundary", 20, [3, 2, 2, 6, 7, 10]),
        ("output-distance", 50, [3, 7, 5, 2, 6, 7]),
    ];

    // Another record of the same owner whose null models were alike.
    private static readonly (string Id, int Trials, int[] Counts)[] Alike =
    [
        ("label-agreement", 75, [19, 23, 23, 25, 22, 24]),
        ("label-agreement/misclassified", 25, [7, 11, 11, 10, 9, 9]),
        ("label-agreement/mix", 30, [10, 11, 10, 13, 11, 13]),
        ("label-agreement/boundary", 20, [2, 1, 2, 2, 2, 2]),
        ("output-distance", 50, [5, 5, 6, 3, 7, 4]),
    ];

    [TestMethod]
    public void CanConvictPerfectCopy_NullModelsAlike_TrueWithAndWithoutProbabilities()
    {
        var calibration = Calibration(Alike);

        Assert.IsTrue(calibration.CanConvictPerfectCopy(labelsOnly: false));
        Assert.IsTrue(calibration.CanConvictPerfectCopy(labelsOnly: true));
    }

    [TestMethod]
    public void CanConvictPerfectCopy_LabelAgreementSplitByArchitecture_FalseForLabelsOnly()
    {
        var calibration = Calibration(SplitByArchitecture);

        Assert.IsFalse(calibration.CanConvictPerfectCopy(labelsOnly: true), "no label test reaches 1e-6 even at every trial");
        Assert.IsTrue(calibration.CanConvictPerfectCopy(labelsOnly: false), "output distance still convicts an exact copy");
    }

    [TestMethod]
    public void CanConvictPerfectCopy_EveryTestSpread_False()
    {
        var calibration = Calibration([.. SplitByArchitecture.SkipLast(1), ("output-distance", 50, [0, 1, 2, 30, 35, 40])]);

        Assert.IsFalse(calibration.CanConvictPerfectCopy(labelsOnly: false));
    }

    [TestMethod]
    public void CanConvictPerfectCopy_LooserLevel_MoreCanBeConvicted()
    {
        var calibration = Calibration(SplitByArchitecture);

        Assert.IsTrue(calibration.CanConvictPerfectCopy(labelsOnly: true, alpha: 0.05));
    }

    private static FingerprintCalibration Calibration((string Id, int Trials, int[] Counts)[] comparators) => new(
        "given",
        [.. comparators[0].Counts.Select((_, i) => $"null-{i}.onnx")],
        null,
        FingerprintCalibration.DefaultConfidence,
        [.. comparators.Select(c => Comparator(c.Id, c.Trials, c.Counts))]);

    private static ComparatorCalibration Comparator(string id, int trials, int[] counts)
    {
        var rate = NullRate.Measure(counts, trials, FingerprintCalibration.DefaultConfidence);
        return new ComparatorCalibration(id, id == "output-distance" ? 1.5 : null, trials, counts, rate.Bound, "test");
    }
}
