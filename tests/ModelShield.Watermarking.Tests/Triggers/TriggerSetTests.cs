using ModelShield.Errors;
using ModelShield.Watermarking.Triggers;

namespace ModelShield.Watermarking.Tests.Triggers;

[TestClass]
public sealed class TriggerSetTests
{
    private static readonly int[] ImageShape = [1, 28, 28];

    [TestMethod]
    [DataRow("noise")]
    [DataRow("patterns")]
    public void Generate_SameKey_SameSet(string kind)
    {
        var a = TriggerSet.Generate(Key(1), kind, 100, ImageShape, 10);
        var b = TriggerSet.Generate(Key(1), kind, 100, ImageShape, 10);

        CollectionAssert.AreEqual(a.Inputs, b.Inputs);
        CollectionAssert.AreEqual(a.Labels, b.Labels);
        Assert.AreEqual(784, a.InputSize);
    }

    [TestMethod]
    public void Generate_OtherKey_OtherSet()
    {
        var a = TriggerSet.Generate(Key(1), "noise", 100, ImageShape, 10);
        var b = TriggerSet.Generate(Key(2), "noise", 100, ImageShape, 10);

        CollectionAssert.AreNotEqual(a.Inputs, b.Inputs);
        Assert.IsLessThan(30, a.Labels.Zip(b.Labels).Count(p => p.First == p.Second), "labels agree only by chance (about 10 of 100)");
    }

    [TestMethod]
    [DataRow("noise")]
    [DataRow("patterns")]
    public void Generate_Kind_InputsInUnitRangeAndLabelsSpreadOverClasses(string kind)
    {
        var set = TriggerSet.Generate(Key(3), kind, 1000, ImageShape, 10);

        Assert.IsTrue(set.Inputs.All(v => v is >= 0 and <= 1));
        var counts = set.Labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.HasCount(10, counts);
        Assert.IsTrue(counts.Values.All(c => c is > 60 and < 140), string.Join(", ", counts.Values));
    }

    [TestMethod]
    public void Generate_Patterns_AreDistinctImages()
    {
        var set = TriggerSet.Generate(Key(4), "patterns", 50, ImageShape, 10);

        var distinct = Enumerable.Range(0, 50).Select(i => string.Join(',', set.Inputs.Skip(i * 784).Take(784))).Distinct().Count();
        Assert.AreEqual(50, distinct);
    }

    [TestMethod]
    public void Generate_UnknownKind_Throws()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TriggerSet.Generate(Key(1), "cats", 10, ImageShape, 10));

        StringAssert.Contains(ex.Message, "noise");
    }

    private static byte[] Key(byte seed) => Enumerable.Repeat(seed, 32).ToArray();
}
