using ModelShield.Onnx.Graphs;
using System.Globalization;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;

namespace ModelShield.Training.Attacks;

/// <summary>Fine-tuning on the attacker's split (true labels): all layers, or only the last layer.</summary>
internal sealed class FinetuneAttack : IAttack
{
    public string Id => "finetune";

    public string Description => "Fine-tune on the attacker's split: all layers or the last layer";

    public IReadOnlyList<AttackParameter> Parameters { get; } =
    [
        new("epochs", "2", "passes over the attacker's split"),
        new("lr", "0.0001", "Adam learning rate"),
        new("layers", "all", "all, or last (only the last weight layer)"),
        new("batch", "64", "images per step"),
    ];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var layers = arguments.Choice("layers", "all", "last");
        var only = layers == "last" ? LastLayerNames(context) : null;
        var options = new TrainingOptions
        {
            Epochs = arguments.Integer("epochs", 0, 1000),
            LearningRate = arguments.Number("lr", 1e-9, 1),
            BatchSize = arguments.Integer("batch", 1, 65536),
            Seed = context.Seed,
            OnlyWeights = only,
            Progress = AttackLog.Epochs(context, Id),
        };
        using var module = OnnxModule.Create(context.Model);
        Trainer.TrainClassifier(module, context.Data.Attacker, options);
        module.WriteWeightsTo(context.Model);
        return new Dictionary<string, string>
        {
            ["layers"] = layers,
            ["trainImages"] = context.Data.Attacker.Count.ToString(CultureInfo.InvariantCulture),
        };
    }

    internal static HashSet<string> LastLayerNames(AttackContext context)
    {
        var last = LayerChain.Analyze(context.Model).Last;
        var names = new HashSet<string>(StringComparer.Ordinal) { last.Weight.Name };
        if (last.Bias is not null)
        {
            names.Add(last.Bias.Name);
        }

        return names;
    }
}
