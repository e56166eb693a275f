using System.Globalization;
using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Architectures;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Attacks;

/// <summary>
/// Distillation into a fresh model: the stolen model (the teacher) is queried on images of the
/// attacker's split, and a newly initialised student learns only from its answers: its probabilities
/// at a temperature (soft) or its top class (hard). The true labels are never used.
/// </summary>
internal sealed class DistillAttack : IAttack
{
    public string Id => "distill";

    public string Description => "Distil into a fresh model from the model's answers on attacker images (soft or hard labels)";

    public IReadOnlyList<AttackParameter> Parameters { get; } =
    [
        new("labels", "soft", "soft (probabilities) or hard (top class)"),
        new("arch", "same", "student architecture: same, mlp, cnn or cnn-bn"),
        new("queries", "0", "attacker images shown to the teacher (0 = the whole attacker split)"),
        new("epochs", "5", "passes over the queries"),
        new("lr", "0.001", "Adam learning rate"),
        new("temperature", "2", "softmax temperature of soft labels"),
    ];

    public IReadOnlyDictionary<string, string> Apply(AttackContext context, AttackArguments arguments)
    {
        var labels = arguments.Choice("labels", "soft", "hard");
        var arch = arguments.Choice("arch", ["same", .. ArchitectureRegistry.All.Select(a => a.Id)]);
        var queries = arguments.Integer("queries", 0, int.MaxValue);
        var temperature = arguments.Number("temperature", 0.05, 100);
        var options = new TrainingOptions
        {
            Epochs = arguments.Integer("epochs", 1, 1000),
            LearningRate = arguments.Number("lr", 1e-9, 1),
            Seed = context.Seed,
            Progress = AttackLog.Epochs(context, Id),
        };
        if (arch == "same")
        {
            arch = ArchitectureRegistry.NamedBy(context.Model)
                ?? throw new ModelShieldException(ErrorCodes.InvalidAttackArguments, $"Attack 'distill': the model does not say its architecture (metadata {ArchitectureRegistry.MetadataKey}); give arch=mlp, cnn or cnn-bn.");
        }

        var pool = context.Data.Attacker;
        var order = LabSplits.Shuffle(pool.Count, context.Seed);
        var asked = pool.Subset(order[..(queries == 0 ? pool.Count : Math.Min(queries, pool.Count))]);

        using var scope = NewDisposeScope();
        using var images = asked.ImagesTensor();
        using var soft = new SoftLabels(temperature);
        Tensor targets;
        using (var teacher = OnnxModule.Create(context.Model))
        {
            targets = labels == "soft" ? soft.Of(teacher, images) : Trainer.Logits(teacher, images).argmax(1);
        }

        var student = OnnxModel.Parse(ArchitectureRegistry.Get(arch).Build(context.Seed, pool.Height, pool.Width).ToByteArray(), null);
        using var module = OnnxModule.Create(student);
        Func<Tensor, Tensor, Tensor> loss = labels == "soft"
            ? soft.Loss
            : (logits, top) => nn.functional.cross_entropy(logits, top);
        Trainer.Fit(module, images, targets, loss, options);
        module.WriteWeightsTo(student);
        context.Model = student;
        return new Dictionary<string, string>
        {
            ["labels"] = labels,
            ["student"] = arch,
            ["queries"] = asked.Count.ToString(CultureInfo.InvariantCulture),
        };
    }
}
