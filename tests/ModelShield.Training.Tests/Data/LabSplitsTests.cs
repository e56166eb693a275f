using ModelShield.Training.Data;

namespace ModelShield.Training.Tests.Data;

[TestClass]
public sealed class LabSplitsTests
{
    [TestMethod]
    public void Load_Sample_SplitsTwoThirdsOneThirdWithoutOverlap()
    {
        var splits = LabSplits.Load(LabTestData.SampleFolder);
        Assert.AreEqual(2666, splits.Owner.Count);
        Assert.AreEqual(1334, splits.Attacker.Count);
        Assert.AreEqual(2000, splits.Test.Count);
        var owner = ImageKeys(splits.Owner);
        Assert.IsFalse(ImageKeys(splits.Attacker).Overlaps(owner));
    }

    [TestMethod]
    public void Load_Twice_GivesTheSameSplit()
    {
        var a = LabSplits.Load(LabTestData.SampleFolder);
        var b = LabSplits.Load(LabTestData.SampleFolder);
        CollectionAssert.AreEqual(a.Owner.Pixels, b.Owner.Pixels);
    }

    [TestMethod]
    public void Shuffle_FixedSeed_IsAPermutationAndDependsOnSeed()
    {
        var a = LabSplits.Shuffle(1000, 1);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).ToArray(), a);
        CollectionAssert.AreNotEqual(a, LabSplits.Shuffle(1000, 2));
        CollectionAssert.AreEqual(a, LabSplits.Shuffle(1000, 1));
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void Load_DebianFullSet_Splits40k20k10k()
    {
        if (!Directory.Exists(FashionMnist.DebianFolder))
        {
            Assert.Inconclusive("dataset-fashion-mnist is not installed.");
        }

        var splits = LabSplits.Load(FashionMnist.DebianFolder);
        Assert.AreEqual(40000, splits.Owner.Count);
        Assert.AreEqual(20000, splits.Attacker.Count);
        Assert.AreEqual(10000, splits.Test.Count);
    }

    private static HashSet<string> ImageKeys(ImageSet set) =>
        Enumerable.Range(0, set.Count).Select(i => Convert.ToBase64String(set.Pixels, i * set.PixelsPerImage, set.PixelsPerImage)).ToHashSet();
}
