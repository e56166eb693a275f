using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Architectures;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Tests.Executor;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Trainers;

[TestClass]
public sealed class TrainerTests
{
    private static readonly Lazy<LabSplits> Sample = new(() => LabSplits.Load(LabTestData.SampleFolder));

    [TestMethod]
    [DataRow("mlp", 0.70)]
    [DataRow("cnn", 0.70)]
    [DataRow("cnn-bn", 0.70)]
    public void TrainClassifier_SampleTwoEpochs_BeatsChanceByFar(string architecture, double floor)
    {
        // Ten classes: chance is 10 %. Two epochs on 2,666 images reach about 75-80 %; 70 % leaves room for seeds.
        using var module = OnnxModule.Create(OnnxModel.Parse(Google.Protobuf.MessageExtensions.ToByteArray(ArchitectureRegistry.Get(architecture).Build(seed: 1)), null));
        var before = Trainer.Accuracy(module, Sample.Value.Test);
        var history = Trainer.TrainClassifier(module, Sample.Value.Owner, new TrainingOptions { Epochs = 2, Seed = 1 }, Sample.Value.Test);
        Assert.HasCount(2, history);
        Assert.IsLessThan(history[0].Loss, history[1].Loss);
        Assert.IsLessThan(0.25, before);
        Assert.IsGreaterThan(floor, history[^1].Accuracy!.Value);
    }

    [TestMethod]
    public void Logits_SeveralBatches_KeepsNoActivationsInTheCallersScope()
    {
        using var module = OnnxModule.Create(OnnxModel.Parse(Google.Protobuf.MessageExtensions.ToByteArray(ArchitectureRegistry.Get("cnn").Build(seed: 1)), null));
        using var scope = NewDisposeScope();
        var images = rand(2_500, 1, 28, 28);
        var before = scope.DisposablesCount;

        var logits = Trainer.Logits(module, images);

        CollectionAssert.AreEqual(new long[] { 2_500, 10 }, logits.shape);
        // Three batch outputs and their concatenation; every intermediate activation is gone.
        Assert.AreEqual(4, scope.DisposablesCount - before);
    }

    [TestMethod]
    public void TrainClassifier_SameSeed_GivesTheSameWeights()
    {
        var a = TrainSmall(seed: 3);
        var b = TrainSmall(seed: 3);
        var c = TrainSmall(seed: 4);
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, c);
    }

    [TestMethod]
    public void TrainClassifier_OnlyLastLayer_LeavesOtherWeightsUnchanged()
    {
        using var module = OnnxModule.Create(Build("mlp", 1));
        var before = module.Weights.ToDictionary(w => w.Name, w => TensorConversion.ToSingles(w.Value));
        Trainer.TrainClassifier(module, Sample.Value.Owner.Take(256), new TrainingOptions { Epochs = 1, OnlyWeights = new HashSet<string> { "fc3.weight", "fc3.bias" } });
        foreach (var weight in module.Weights)
        {
            var changed = !before[weight.Name].SequenceEqual(TensorConversion.ToSingles(weight.Value));
            Assert.AreEqual(weight.Name.StartsWith("fc3", StringComparison.Ordinal), changed, weight.Name);
        }

        Assert.IsTrue(module.Weights.All(w => !w.Trainable || w.Value.requires_grad), "Frozen weights must be trainable again afterwards.");
    }

    [TestMethod]
    public void TrainClassifier_Sgd_LowersTheLoss()
    {
        using var module = OnnxModule.Create(Build("mlp", 1));
        var history = Trainer.TrainClassifier(module, Sample.Value.Owner, new TrainingOptions { Epochs = 2, Optimizer = OptimizerKind.Sgd, LearningRate = 0.05 });
        Assert.IsLessThan(history[0].Loss, history[1].Loss);
    }

    [TestMethod]
    public void TrainClassifier_BadOptions_ThrowInvalidTrainingOption()
    {
        using var module = OnnxModule.Create(Build("mlp", 1));
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => Trainer.TrainClassifier(module, Sample.Value.Owner, new TrainingOptions { BatchSize = 0 }));
        Assert.AreEqual(ErrorCodes.InvalidTrainingOption, ex.Code);
    }

    [TestMethod]
    public void Accuracy_NonFiniteWeight_ThrowsNonFiniteOutputs()
    {
        var model = Build("mlp", 1);
        var bias = model.GetInitializer("fc3.bias");
        var values = ModelShield.Onnx.Tensors.TensorData.Read<float>(model, bias);
        values[3] = float.NaN;
        ModelShield.Onnx.Tensors.TensorData.Write<float>(model, bias, values);
        using var module = OnnxModule.Create(model);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => Trainer.Accuracy(module, Sample.Value.Test.Take(100)));

        Assert.AreEqual(ErrorCodes.NonFiniteOutputs, ex.Code);
        StringAssert.Contains(ex.Message, "100 evaluation images include 100 NaN");
    }

    [TestMethod]
    public void Train_BatchNormModel_WrittenBackFileRunsInOrtLikeTheExecutor()
    {
        var model = Build("cnn-bn", 2);
        using var module = OnnxModule.Create(model);
        Trainer.TrainClassifier(module, Sample.Value.Owner.Take(512), new TrainingOptions { Epochs = 1 });
        var mean = module.Weights.Single(w => w.Name == "bn1.running_mean").Value;
        Assert.IsGreaterThan(0f, mean.abs().sum().item<float>(), "Training must move the running mean.");
        module.WriteWeightsTo(model);
        var path = Path.Combine(LabTestData.NewTempFolder(), "cnn-bn.onnx");
        model.Save(path);
        using var images = Sample.Value.Test.Take(64).ImagesTensor();
        var executor = Trainer.Logits(module, images);
        var ort = OrtReference.Run(File.ReadAllBytes(path), new Dictionary<string, Tensor> { ["input"] = images });
        TensorAssert.Close(ort["logits"], executor, "ORT vs executor after training", atol: 1e-4, rtol: 1e-4);
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    [DataRow("cnn-bn")]
    public void TrainClassifier_WhileAnotherThreadCollectsGarbage_GivesTheSameWeights(string architecture)
    {
        // Native calls must not read scalars a concurrent collection has finalized (see ParameterUpdate):
        // training under forced collections must give exactly the weights of a quiet run.
        var quiet = Train(collectMeanwhile: false);
        var busy = Train(collectMeanwhile: true);
        CollectionAssert.AreEqual(quiet, busy);

        float[] Train(bool collectMeanwhile)
        {
            using var module = OnnxModule.Create(Build(architecture, 1));
            using var collector = new GarbageCollectionLoop(collectMeanwhile);
            Trainer.TrainClassifier(module, Sample.Value.Owner.Take(512), new TrainingOptions { Epochs = 2, BatchSize = 16 });
            return module.Weights.SelectMany(w => TensorConversion.ToSingles(w.Value)).ToArray();
        }
    }

    [TestMethod]
    public void TrainClassifier_CancelledAfterTheFirstEpoch_StopsBeforeTheSecond()
    {
        using var module = OnnxModule.Create(Build("mlp", 1));
        using var cancel = new CancellationTokenSource();
        var epochs = 0;
        var options = new TrainingOptions
        {
            Epochs = 3,
            Cancellation = cancel.Token,
            Progress = new SynchronousProgress(_ =>
            {
                epochs++;
                cancel.Cancel();
            }),
        };

        Assert.ThrowsExactly<OperationCanceledException>(() => Trainer.TrainClassifier(module, Sample.Value.Owner.Take(256), options));
        Assert.AreEqual(1, epochs);
    }

    internal static OnnxModel Build(string architecture, int seed) =>
        OnnxModel.Parse(Google.Protobuf.MessageExtensions.ToByteArray(ArchitectureRegistry.Get(architecture).Build(seed)), null);

    private static float[] TrainSmall(int seed)
    {
        using var module = OnnxModule.Create(Build("cnn", 1));
        Trainer.TrainClassifier(module, Sample.Value.Owner.Take(128), new TrainingOptions { Epochs = 1, Seed = seed, BatchSize = 32 });
        return TensorConversion.ToSingles(module.Parameter("fc2.weight"));
    }

    private sealed class SynchronousProgress(Action<EpochProgress> report) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => report(value);
    }
}
