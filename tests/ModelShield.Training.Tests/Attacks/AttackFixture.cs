using ModelShield.Onnx.Files;
using ModelShield.Training.Attacks;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Tests.Executor;
using ModelShield.Training.Tests.Trainers;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Attacks;

/// <summary>Small owner models trained once on the sample data, and helpers to attack copies of them.</summary>
internal static class AttackFixture
{
    public static readonly Lazy<LabSplits> Sample = new(() => LabSplits.Load(LabTestData.SampleFolder));

    private static readonly Lazy<byte[]> MlpBytes = new(() => Train("mlp", 2, Sample.Value.Owner));
    private static readonly Lazy<byte[]> CnnBnBytes = new(() => Train("cnn-bn", 1, Sample.Value.Owner.Take(1024)));

    /// <summary>A fresh copy of an MLP trained two epochs on the sample's owner split (about 80 % on the sample test split).</summary>
    public static OnnxModel Mlp() => OnnxModel.Parse(MlpBytes.Value, null);

    /// <summary>A fresh copy of a CNN with BatchNorm trained briefly (non-trivial running statistics).</summary>
    public static OnnxModel CnnBn() => OnnxModel.Parse(CnnBnBytes.Value, null);

    public static OnnxModel Attack(OnnxModel model, string chain, int seed = 1) =>
        LabAttacks.Apply(model, AttackRegistry.ParseChain(chain), () => Sample.Value, seed, null).Model;

    public static float[] Weights(OnnxModel model, string name) => ModelShield.Onnx.Tensors.TensorData.Read<float>(model, model.GetInitializer(name));

    /// <summary>
    /// The model's logits on the first test images, run by ONNX Runtime: the reference runtime, so that what the attack
    /// tests judge is the attacked file, not the lab's executor (whose own agreement with ONNX Runtime has its tests).
    /// </summary>
    public static Tensor Logits(OnnxModel model, int images = 200)
    {
        using var x = Sample.Value.Test.Take(images).ImagesTensor();
        var input = model.Graph.Input.First(i => model.Graph.Initializer.All(w => w.Name != i.Name)).Name;
        return OrtReference.Run(model.ToBytes(), new Dictionary<string, Tensor> { [input] = x })[model.Graph.Output[0].Name];
    }

    public static double Accuracy(OnnxModel model) => LabAttacks.Accuracy(model, Sample.Value.Test);

    private static byte[] Train(string architecture, int epochs, ImageSet data)
    {
        var model = TrainerTests.Build(architecture, 11);
        using var module = OnnxModule.Create(model);
        Trainer.TrainClassifier(module, data, new TrainingOptions { Epochs = epochs, Seed = 11 });
        module.WriteWeightsTo(model);
        return model.ToBytes();
    }
}
