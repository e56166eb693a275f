using ModelShield.Errors;
using ModelShield.Training.Attacks;

namespace ModelShield.Training.Tests.Attacks;

[TestClass]
public sealed class WeightAttackTests
{
    [TestMethod]
    [DataRow(0.3)]
    [DataRow(0.9)]
    public void Prune_Fraction_ZeroesThatShareOfSmallestWeightsPerLayer(double fraction)
    {
        var original = AttackFixture.Mlp();
        var pruned = AttackFixture.Attack(AttackFixture.Mlp(), $"prune:{fraction}");
        foreach (var name in new[] { "fc1.weight", "fc2.weight", "fc3.weight" })
        {
            var before = AttackFixture.Weights(original, name);
            var after = AttackFixture.Weights(pruned, name);
            var zeroed = Enumerable.Range(0, before.Length).Where(i => after[i] == 0f && before[i] != 0f).ToList();
            Assert.AreEqual((int)Math.Floor(fraction * before.Length), zeroed.Count, name);
            var kept = Enumerable.Range(0, before.Length).Where(i => after[i] != 0f).ToList();
            Assert.IsTrue(kept.All(i => after[i] == before[i]), $"{name}: kept weights must be untouched.");
            Assert.IsLessThanOrEqualTo(kept.Min(i => Math.Abs(before[i])), zeroed.Max(i => Math.Abs(before[i])), $"{name}: a pruned weight is larger than a kept one.");
        }

        CollectionAssert.AreEqual(AttackFixture.Weights(original, "fc1.bias"), AttackFixture.Weights(pruned, "fc1.bias"), "Biases are not pruned.");
    }

    [TestMethod]
    public void Noise_Sigma_AddsNoiseOfThatRelativeSpread()
    {
        var original = AttackFixture.Mlp();
        var noisy = AttackFixture.Attack(AttackFixture.Mlp(), "noise:0.2");
        var before = AttackFixture.Weights(original, "fc1.weight");
        var after = AttackFixture.Weights(noisy, "fc1.weight");
        var std = StandardDeviation(before);
        var noiseStd = StandardDeviation(before.Zip(after, (a, b) => b - a).ToArray());
        Assert.AreEqual(0.2, noiseStd / std, 0.01, "200,704 draws put the measured ratio within 1 % of sigma.");
    }

    [TestMethod]
    public void Int8_RoundTrip_LeavesAtMost255LevelsWithinHalfAStep()
    {
        var original = AttackFixture.Mlp();
        var quantized = AttackFixture.Attack(AttackFixture.Mlp(), "int8");
        var before = AttackFixture.Weights(original, "fc2.weight");
        var after = AttackFixture.Weights(quantized, "fc2.weight");
        var step = before.Max(MathF.Abs) / 127f;
        Assert.IsLessThanOrEqualTo(255, after.Distinct().Count());
        Assert.IsTrue(before.Zip(after).All(p => Math.Abs(p.First - p.Second) <= (step / 2) + 1e-7), "Each weight must land on the nearest level.");
        Assert.AreEqual(AttackFixture.Accuracy(original), AttackFixture.Accuracy(quantized), 0.05, "int8 keeps accuracy within 5 points.");
    }

    [TestMethod]
    public void Fp16_RoundTrip_EveryValueIsAHalf()
    {
        var original = AttackFixture.Mlp();
        var half = AttackFixture.Attack(AttackFixture.Mlp(), "fp16");
        var before = AttackFixture.Weights(original, "fc1.weight");
        var after = AttackFixture.Weights(half, "fc1.weight");
        Assert.IsTrue(after.All(v => (float)(Half)v == v));
        Assert.IsTrue(before.Zip(after).Any(p => p.First != p.Second));
        Assert.IsTrue(before.Zip(after).All(p => p.First == 0 || Math.Abs(p.First - p.Second) <= Math.Abs(p.First) * 1e-3 + 1e-7));
    }

    [TestMethod]
    public void ParseChain_UnknownAttack_ListsKnownOnes()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => AttackRegistry.ParseChain("prune:0.5+melt"));
        Assert.AreEqual(ErrorCodes.UnknownAttack, ex.Code);
        StringAssert.Contains(ex.Message, "dummy-neurons");
    }

    [TestMethod]
    [DataRow("prune:1.5")]
    [DataRow("prune:half")]
    [DataRow("finetune:epochs=2,speed=3")]
    [DataRow("finetune:layers=middle")]
    [DataRow("int8:3")]
    [DataRow("finetune:epochs=1,epochs=2")]
    public void ParseChain_BadArguments_ThrowInvalidAttackArguments(string spec)
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() =>
        {
            foreach (var (attack, arguments) in AttackRegistry.ParseChain(spec))
            {
                // Values are checked where the attack reads them; read them all as the attack would.
                _ = attack.Id switch
                {
                    "prune" => arguments.Number("fraction", 0, 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "finetune" => arguments.Choice("layers", "all", "last"),
                    _ => "",
                };
            }
        });
        Assert.AreEqual(ErrorCodes.InvalidAttackArguments, ex.Code);
    }

    [TestMethod]
    public void ParseChain_Chain_SplitsOnPlusButNotInsideNumbers()
    {
        var steps = AttackRegistry.ParseChain("finetune:epochs=2,lr=1e+3+prune:0.5");
        Assert.HasCount(2, steps);
        Assert.AreEqual("batch=64,epochs=2,layers=all,lr=1e+3", steps[0].Arguments.Canonical);
        Assert.AreEqual("fraction=0.5", steps[1].Arguments.Canonical);
    }

    private static double StandardDeviation(float[] values)
    {
        var mean = values.Average(v => (double)v);
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }
}
