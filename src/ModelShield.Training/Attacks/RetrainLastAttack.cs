using ModelShield.Onnx.Graphs;
using System.Globalization;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;

namespace ModelShield.Training.Attacks;

/// <summary>
/// Retraining the last layer from scratch: its weights are drawn anew (normal, std sqrt(1 / fan-in)),
/// its bias zeroed, and only it is trained on the attacker's split; the feature layers stay as stolen.
/// </summary>
internal sealed class RetrainLastAttack : IAttack
{
    public string Id => "retrain-last";

    public string Description => "Re-initialise the last layer and train only it on the attacker's split";

    public IReadOnlyList<AttackParameter> Parameters { get; } =
    [
        new("epochs", "3", "passes over the attacker's split"),
        new("lr", "0.001", "Adam learning rate"),
    ];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var epochs = arguments.Integer("epochs", 1, 1000);
        var lr = arguments.Number("lr", 1e-9, 1);
        var last = LayerChain.Analyze(context.Model).Last;
        var random = ModelWeights.Random(context, Id);
        var weight = WeightTensor.Read(context.Model, last.Weight);
        var std = Math.Sqrt(1.0 / last.InChannels);
        for (var i = 0; i < weight.Values.Length; i++)
        {
            weight.Values[i] = (float)(std * ModelWeights.Gaussian(random));
        }

        weight.Write(context.Model);
        if (last.Bias is not null)
        {
            var bias = WeightTensor.Read(context.Model, last.Bias);
            Array.Clear(bias.Values);
            bias.Write(context.Model);
        }

        using var module = OnnxModule.Create(context.Model);
        Trainer.TrainClassifier(module, context.Data.Attacker, new TrainingOptions
        {
            Epochs = epochs,
            LearningRate = lr,
            Seed = context.Seed,
            OnlyWeights = FinetuneAttack.LastLayerNames(context),
            Progress = AttackLog.Epochs(context, Id),
        });
        module.WriteWeightsTo(context.Model);
        return new Dictionary<string, string>
        {
            ["layer"] = last.Node.Name,
            ["trainImages"] = context.Data.Attacker.Count.ToString(CultureInfo.InvariantCulture),
        };
    }
}
