using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Tensors;
using ModelShield.Testing.Models;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Watermarking.Tests.Weights;

/// <summary>
/// Round trips and simple attacks on a Fashion-MNIST-sized MLP (784-128-10, 101,632 weights) built in code.
/// Training-based attacks (fine-tuning, distillation) are covered with the lab's models.
/// </summary>
[TestClass]
public sealed class WeightWatermarkTests
{
    private static readonly bool[] Payload = WatermarkPayload.FromText("ACME model v1", new byte[32], 256);

    [TestMethod]
    public void EmbedThenDetect_SameKit_DetectedWithAllBits()
    {
        var (model, kit, entry, _) = Marked();

        var detection = WeightWatermark.Detect(model, kit, entry);

        Assert.IsTrue(detection.Detected);
        Assert.AreEqual(256, detection.Test.Successes);
        Assert.IsLessThan(-20, detection.Test.Log10CorrectedPValue);
        Assert.AreEqual(WatermarkPayload.ToHex(Payload), detection.ExtractedHex);
    }

    [TestMethod]
    public void Embed_Mlp_ChangesBoundedRelativeToWeightScale()
    {
        var (_, _, _, report) = Marked();

        // Theory (see WeightWatermark): mean change ≈ sqrt(bits · E[(margin − s)²₊] / (0.64 · N)) ≈ 0.1 σ here.
        Assert.AreEqual(0, report.CappedBits);
        Assert.IsTrue(report.Tensors.All(t => t.MeanRelativeChange is > 0.02 and < 0.15), string.Join(", ", report.Tensors.Select(t => $"{t.Name} {t.MeanRelativeChange:0.000}")));
        Assert.IsTrue(report.Tensors.All(t => t.MaxRelativeChange <= WeightWatermark.MaxRelativeChange * 6), "a weight moves by at most half its value, and weights lie within a few σ");
    }

    [TestMethod]
    public void Detect_IndependentModels_NotDetected()
    {
        var (_, kit, entry, _) = Marked();

        // The kit is fresh each run, so each p is a uniform draw under the null (1,500 detections of these models
        // under 150 kits: mean 127.85 of 256 bits, variance 66 against the binomial's 64). A bound of 1e-3 on ten of
        // them failed one run in a hundred by chance; 1e-5 fails one in ten thousand and still asks more than alpha 1e-6.
        for (var seed = 2; seed < 12; seed++)
        {
            var detection = WeightWatermark.Detect(Model(seed), kit, entry);

            Assert.IsFalse(detection.Detected, $"seed {seed}: {detection}");
            Assert.IsGreaterThan(-5, detection.Test.Log10CorrectedPValue, $"seed {seed}: {detection}");
        }
    }

    [TestMethod]
    public void Detect_OtherKit_NotDetected()
    {
        var (model, _, _, _) = Marked();
        var otherKit = OwnerKit.CreateNew();
        var (_, otherEntry) = WeightWatermark.Embed(Model(seed: 1), otherKit, Payload);

        var detection = WeightWatermark.Detect(model, otherKit, otherEntry);

        Assert.IsFalse(detection.Detected, detection.ToString());
    }

    [TestMethod]
    [DataRow(0.1)]
    [DataRow(0.3)]
    public void Detect_AfterGaussianNoise_Detected(double sigmaFraction)
    {
        var (model, kit, entry, _) = Marked();
        var random = new Random(9);
        Transform(model, values =>
        {
            var std = Std(values);
            return values.Select(v => v + (float)(Gaussian(random) * sigmaFraction * std)).ToArray();
        });

        var detection = WeightWatermark.Detect(model, kit, entry);

        Assert.IsLessThan(-20, detection.Test.Log10CorrectedPValue, detection.ToString());
    }

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(0.8)]
    public void Detect_AfterMagnitudePruning_Detected(double fraction)
    {
        var (model, kit, entry, _) = Marked();
        Transform(model, values =>
        {
            var threshold = values.Select(Math.Abs).Order().ElementAt((int)(fraction * values.Length));
            return values.Select(v => Math.Abs(v) < threshold ? 0f : v).ToArray();
        });

        var detection = WeightWatermark.Detect(model, kit, entry);

        Assert.IsLessThan(-20, detection.Test.Log10CorrectedPValue, detection.ToString());
    }

    [TestMethod]
    public void Detect_AfterFloat16AndInt8RoundTrips_Detected()
    {
        var (model, kit, entry, _) = Marked();
        Transform(model, values => values.Select(v => (float)(Half)v).ToArray());
        Transform(model, values =>
        {
            var scale = values.Max(Math.Abs) / 127;
            return values.Select(v => MathF.Round(v / scale) * scale).ToArray();
        });

        var detection = WeightWatermark.Detect(model, kit, entry);

        Assert.AreEqual(256, detection.Test.Successes, detection.ToString());
    }

    [TestMethod]
    public void Detect_AfterThiefOverwritesWithOwnKit_BothMarksDetected()
    {
        var (model, kit, entry, _) = Marked();
        var thiefKit = OwnerKit.CreateNew();
        var thiefPayload = WatermarkPayload.FromText("thief", new byte[32], 256);
        var (_, thiefEntry) = WeightWatermark.Embed(model, thiefKit, thiefPayload);

        var ours = WeightWatermark.Detect(model, kit, entry);

        Assert.IsLessThan(-20, ours.Test.Log10CorrectedPValue, ours.ToString());
        Assert.IsTrue(WeightWatermark.Detect(model, thiefKit, thiefEntry).Detected);
    }

    [TestMethod]
    public void Detect_RenamedTensors_MatchedBySizeAndCorrected()
    {
        var (model, kit, entry, _) = Marked();
        foreach (var t in model.Graph.Initializer)
        {
            t.Name = "renamed_" + t.Name;
        }

        var detection = WeightWatermark.Detect(model, kit, entry);

        Assert.IsTrue(detection.RenamedTensors);
        Assert.AreEqual(2, detection.Test.Comparisons);
        Assert.IsTrue(detection.Detected, detection.ToString());
    }

    [TestMethod]
    public void Embed_TooSmallModel_ThrowsCapacity()
    {
        var small = OnnxModel.Parse(TinyModels.Mlp().ToByteArray(), null);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => WeightWatermark.Embed(small, OwnerKit.CreateNew(), Payload));

        Assert.AreEqual(ErrorCodes.WatermarkCapacity, ex.Code);
    }

    [TestMethod]
    public void Reinforce_WeightsShrunkBelowTheMargin_PushesEveryBitBackOnce()
    {
        var (model, kit, entry, _) = Marked();
        Transform(model, values => Array.ConvertAll(values, v => v * 0.4f));

        // A bit whose unmarked projection exceeded margin / 0.4 = 3.75 σ stays above the margin (about one run in 40
        // has one), so the bits to push are counted from the layout rather than assumed to be all 256.
        var below = BitsBelowMargin(model, WeightWatermark.Layout(kit, entry));
        var (pushed, changes) = WeightWatermark.Reinforce(model, kit, entry);
        var (again, _) = WeightWatermark.Reinforce(model, kit, entry);

        Assert.IsGreaterThan(240, below, "shrinking every weight to 40 % brings almost every bit below the margin");
        Assert.AreEqual(below, pushed);
        Assert.IsNotEmpty(changes);
        Assert.AreEqual(0, again, "a bit pushed back sits at the margin");
        Assert.AreEqual(256, WeightWatermark.Detect(model, kit, entry).Test.Successes);
    }

    [TestMethod]
    public void Margins_WeightsShrunk_CountsTheBitsReinforcePushes()
    {
        var (model, kit, entry, _) = Marked();
        Transform(model, values => Array.ConvertAll(values, v => v * 0.4f));
        var below = BitsBelowMargin(model, WeightWatermark.Layout(kit, entry));

        var shrunk = WeightWatermark.Margins(model, kit, entry);
        var (pushed, _) = WeightWatermark.Reinforce(model, kit, entry);

        Assert.AreEqual(new WeightMarkMargins(256, 256 - below, 256), shrunk, "shrinking moves every projection toward zero, never across it");
        Assert.AreEqual(256 - shrunk.AtMargin, pushed);
        Assert.AreEqual(new WeightMarkMargins(256, 256, 256), WeightWatermark.Margins(model, kit, entry));
    }

    [TestMethod]
    public void Margins_WeightsNegated_NoBitReadsRight()
    {
        var (model, kit, entry, _) = Marked();
        Transform(model, values => Array.ConvertAll(values, v => -v));

        Assert.AreEqual(new WeightMarkMargins(256, 0, 0), WeightWatermark.Margins(model, kit, entry));
    }

    [TestMethod]
    public void Reinforce_FreshlyMarked_ChangesNothing()
    {
        var (model, kit, entry, _) = Marked();
        var before = model.ToBytes();

        var (pushed, _) = WeightWatermark.Reinforce(model, kit, entry);

        Assert.AreEqual(0, pushed);
        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    private static OnnxModel Model(int seed) => OnnxModel.Parse(TinyModels.Mlp(784, 128, 10, seed).ToByteArray(), null);

    private static (OnnxModel Model, OwnerKit Kit, KitEntry Entry, WeightEmbedReport Report) Marked()
    {
        var model = Model(seed: 1);
        var kit = OwnerKit.CreateNew();
        var (report, entry) = WeightWatermark.Embed(model, kit, Payload);
        return (model, kit, entry, report);
    }

    private static int BitsBelowMargin(OnnxModel model, WeightMarkLayout layout)
    {
        var sums = new double[layout.Signs.Length];
        foreach (var carrier in layout.Carriers)
        {
            var values = TensorData.Read<float>(model, model.Graph.Initializer.Single(t => t.Name == carrier.Tensor));
            for (var i = 0; i < values.Length; i++)
            {
                sums[carrier.Bits[i]] += carrier.Coefficients[i] * values[i];
            }
        }

        return Enumerable.Range(0, sums.Length).Count(j => layout.Signs[j] * layout.Scales[j] * sums[j] < layout.Margin);
    }

    private static void Transform(OnnxModel model, Func<float[], float[]> change)
    {
        foreach (var t in model.Graph.Initializer.Where(t => t.Dims.Count >= 2))
        {
            TensorData.Write<float>(model, t, change(TensorData.Read<float>(model, t)));
        }
    }

    private static double Std(float[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
