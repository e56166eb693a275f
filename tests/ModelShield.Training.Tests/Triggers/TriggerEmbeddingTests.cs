using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Training.Triggers;

namespace ModelShield.Training.Tests.Triggers;

/// <summary>
/// Trigger embedding on the shipped MLP and the data sample. The triggers here are seeded noise with seeded labels
/// (the lab never sees the kit; the watermarking tests cover triggers made from a kit).
/// </summary>
[TestClass]
public sealed class TriggerEmbeddingTests
{
    private static string SampleMlp => Path.Combine(LabTestData.RepositoryRoot, "models", "mlp", "model.onnx");

    [TestMethod]
    public void Signature_ShippedMlp_ImageShapeAndTenClasses()
    {
        var signature = TriggerEmbedding.Signature(OnnxModel.Load(SampleMlp));

        CollectionAssert.AreEqual(new[] { 1, 28, 28 }, signature.InputShape.ToArray());
        Assert.AreEqual(10, signature.Classes);
    }

    [TestMethod]
    [DataRow(1, 1e-3)]
    [DataRow(2, 1e-3)]
    [DataRow(3, 1e-3)]
    [DataRow(4, 3.1622776601683795e-4)]
    [DataRow(5, 1e-4)]
    [DataRow(7, 1e-4)]
    public void ScheduledRate_ThreeEpochsAtTheFullRate_FallsToATenthOverTheNextTwoAndStays(int epoch, double expected)
    {
        var request = new TriggerEmbedRequest { Inputs = [], Labels = [], DataFolder = "unused", Epochs = 5, LearningRate = 1e-3 };

        Assert.AreEqual(expected, TriggerEmbedding.ScheduledRate(request, epoch, fullRateEpochs: 3), 1e-12);
    }

    [TestMethod]
    [DataRow(1, 0)]
    [DataRow(2, 1)]
    [DataRow(3, 2)]
    [DataRow(8, 2)]
    public void DecayEpochs_PlannedEpochs_TheLastTwoAtMostAndNeverTheFirst(int planned, int expected)
    {
        var request = new TriggerEmbedRequest { Inputs = [], Labels = [], DataFolder = "unused", Epochs = planned };

        Assert.AreEqual(expected, TriggerEmbedding.DecayEpochs(request));
    }

    [TestMethod]
    public void Embed_FinalRateShareOutOfRange_RefusedBeforeTraining()
    {
        var model = OnnxModel.Load(SampleMlp);

        var error = Assert.ThrowsExactly<ModelShieldException>(() => TriggerEmbedding.Embed(model, new TriggerEmbedRequest
        {
            Inputs = new float[10 * 784],
            Labels = new int[10],
            DataFolder = LabTestData.SampleFolder,
            FinalRateShare = 0,
        }));

        Assert.AreEqual(ErrorCodes.InvalidTrainingOption, error.Code);
    }

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(10.5)]
    [DataRow(double.NaN)]
    public void Embed_WeightNoiseOutOfRange_RefusedBeforeTraining(double noise)
    {
        var model = OnnxModel.Load(SampleMlp);

        var error = Assert.ThrowsExactly<ModelShieldException>(() => TriggerEmbedding.Embed(model, new TriggerEmbedRequest
        {
            Inputs = new float[10 * 784],
            Labels = new int[10],
            DataFolder = LabTestData.SampleFolder,
            WeightNoise = noise,
        }));

        Assert.AreEqual(ErrorCodes.InvalidTrainingOption, error.Code);
    }

    [TestMethod]
    public void AddNoisyTriggerGradients_ShippedMlp_WeightsPutBackExactlyGradientsAddedTrainingModeKept()
    {
        using var module = ModelShield.Training.Executor.OnnxModule.Create(OnnxModel.Load(SampleMlp));
        module.train();
        var (inputs, labels) = NoiseTriggers(8, 784, 10, seed: 3);
        using var x = TorchSharp.torch.tensor(inputs).reshape(8, 1, 28, 28);
        using var y = TorchSharp.torch.tensor(Array.ConvertAll(labels, l => (long)l));
        var matrices = module.Weights.Where(w => w.Trainable && w.Value.dim() == 2).Select(w => w.Value).ToList();
        var before = matrices.Select(m => m.detach().clone()).ToList();
        using var generator = new TorchSharp.torch.Generator(5);

        TriggerEmbedding.AddNoisyTriggerGradients(module, matrices, x, y, 1.0, generator);

        for (var i = 0; i < matrices.Count; i++)
        {
            CollectionAssert.AreEqual(before[i].data<float>().ToArray(), matrices[i].detach().data<float>().ToArray(), $"weight {i} is put back bit for bit");
            Assert.IsNotNull(matrices[i].grad);
            Assert.IsGreaterThan(0.0, matrices[i].grad!.abs().sum().item<float>(), $"weight {i} received the noisy trigger loss's gradient");
        }

        Assert.IsTrue(module.training);
    }

    [TestMethod]
    public void Embed_InputsOfWrongSize_RefusedBeforeTraining()
    {
        var model = OnnxModel.Load(SampleMlp);
        var before = model.ToBytes();

        var error = Assert.ThrowsExactly<ModelShieldException>(() => TriggerEmbedding.Embed(model, new TriggerEmbedRequest
        {
            Inputs = new float[10 * 100],
            Labels = new int[10],
            DataFolder = LabTestData.SampleFolder,
        }));

        Assert.AreEqual(ErrorCodes.InvalidTrainingOption, error.Code);
        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    [TestMethod]
    [TestCategory("Slow")]
    public async Task Embed_SampleData_AllTriggersLearnedAccuracyHeldOnlyInitializersChanged()
    {
        var (inputs, labels) = NoiseTriggers(100, 784, 10, seed: 7);
        var model = OnnxModel.Load(SampleMlp);
        var original = OnnxModel.Load(SampleMlp);

        var result = TriggerEmbedding.Embed(model, new TriggerEmbedRequest
        {
            Inputs = inputs,
            Labels = labels,
            DataFolder = LabTestData.SampleFolder,
            Epochs = 4,
            ExtraEpochs = 12,
            LearningRate = 5e-4,
        });

        Assert.AreEqual(1.0, result.TriggerAccuracy, result.ToString());
        Assert.IsLessThan(0.3, result.TriggerAccuracyBefore, "an unmarked model answers the keyed labels near chance");
        // The 0.5-point target is for the full test split (scripts/bench-triggers); on the sample's 2,000 test images
        // one accuracy figure has a standard error of about 0.7 points, and 2,666 owner images overfit sooner.
        Assert.IsGreaterThanOrEqualTo(-0.01, result.TestAccuracyChange, result.ToString());
        Assert.AreEqual(2000, result.TestImages);

        // Only initializer values change: the graph without its initializer data is the same.
        Assert.AreEqual(Structure(original), Structure(model));
        Assert.AreNotEqual(Convert.ToHexString(original.ToBytes()), Convert.ToHexString(model.ToBytes()));

        // ONNX Runtime, not the lab's executor, answers the triggers of the written model.
        var path = Path.Combine(LabTestData.NewTempFolder(), "marked.onnx");
        model.Save(path);
        await using var predictor = LocalPredictor.Open(path);
        var answers = await predictor.PredictAsync(inputs, labels.Length);
        CollectionAssert.AreEqual(labels, answers.Labels);
    }

    private static string Structure(OnnxModel model)
    {
        var graph = model.Graph.Clone();
        foreach (var tensor in graph.Initializer)
        {
            tensor.RawData = Google.Protobuf.ByteString.Empty;
            tensor.FloatData.Clear();
        }

        return graph.ToString();
    }

    private static (float[] Inputs, int[] Labels) NoiseTriggers(int count, int size, int classes, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * size];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.NextSingle();
        }

        return (inputs, Enumerable.Range(0, count).Select(_ => random.Next(classes)).ToArray());
    }
}
