using System.Globalization;
using Google.Protobuf;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Training.Architectures;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;

namespace ModelShield.Training;

/// <summary>What <see cref="LabTraining.Train"/> trains: an architecture on the owner's split of a data folder.</summary>
public sealed record LabTrainRequest
{
    /// <summary>The architecture id: mlp, cnn or cnn-bn.</summary>
    public required string Architecture { get; init; }

    /// <summary>The data folder (DESIGN.md, CLI conventions); null looks in $MODELSHIELD_DATA, then Debian's folder.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Where to write the trained model.</summary>
    public required string Output { get; init; }

    /// <summary>Passes over the owner's split.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Seeds the initial weights, the shuffling and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Images per optimisation step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>The optimiser's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>adam or sgd.</summary>
    public string Optimizer { get; init; } = "adam";

    /// <summary>Replace an existing output.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Receives a line per epoch.</summary>
    public IProgress<string>? Log { get; init; }

    /// <summary>Stops the training (with <see cref="OperationCanceledException"/>) once cancelled.</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>A trained model and how it was made.</summary>
public sealed record LabTrainResult(
    string Output,
    string Architecture,
    string DataFolder,
    string Split,
    int TrainImages,
    int TestImages,
    int Epochs,
    int Seed,
    int BatchSize,
    double LearningRate,
    string Optimizer,
    long Parameters,
    double TestAccuracy,
    IReadOnlyList<double> EpochSeconds);

/// <summary>Trains the lab's classifiers through the differentiable ONNX executor.</summary>
public static class LabTraining
{
    /// <summary>The architecture ids <see cref="Train"/> accepts.</summary>
    public static IReadOnlyList<string> Architectures => ArchitectureRegistry.All.Select(a => a.Id).ToList();

    /// <summary>
    /// Builds the architecture with the seed, trains it on the owner's split, measures accuracy on the
    /// test split, and writes the model (with its provenance in metadata_props) atomically.
    /// </summary>
    public static LabTrainResult Train(LabTrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var architecture = ArchitectureRegistry.Get(request.Architecture);
        var optimizer = ParseOptimizer(request.Optimizer);
        var options = new TrainingOptions
        {
            Epochs = request.Epochs,
            Seed = request.Seed,
            BatchSize = request.BatchSize,
            LearningRate = request.LearningRate,
            Optimizer = optimizer,
            Progress = request.Log is null ? null : new Progress(request.Log),
            Cancellation = request.Cancellation,
        };
        options.Validate();
        OutputCheck.BeforeWork(request.Output, request.Overwrite);
        var splits = LabSplits.Load(request.DataFolder);
        var proto = architecture.Build(request.Seed, splits.Owner.Height, splits.Owner.Width);
        var model = OnnxModel.Parse(proto.ToByteArray(), null);
        using var module = OnnxModule.Create(model);
        var history = Trainer.TrainClassifier(module, splits.Owner, options, splits.Test);
        var accuracy = history.Count > 0 ? history[^1].Accuracy!.Value : Trainer.Accuracy(module, splits.Test);
        module.WriteWeightsTo(model);
        var parameters = module.Weights.Where(w => w.Trainable).Sum(w => w.Value.numel());
        var ci = CultureInfo.InvariantCulture;
        AddMetadata(model.Proto, new Dictionary<string, string>
        {
            ["modelshield.lab.data_split"] = $"owner ({splits.Owner.Count} images, split seed {LabSplits.SplitSeed})",
            ["modelshield.lab.epochs"] = request.Epochs.ToString(ci),
            ["modelshield.lab.seed"] = request.Seed.ToString(ci),
            ["modelshield.lab.optimizer"] = $"{optimizer.ToString().ToLowerInvariant()} lr={request.LearningRate.ToString(ci)} batch={request.BatchSize.ToString(ci)}",
            ["modelshield.lab.test_accuracy"] = accuracy.ToString("0.0000", ci),
            ["modelshield.lab.test_images"] = splits.Test.Count.ToString(ci),
        });
        model.Save(request.Output, request.Overwrite);
        return new LabTrainResult(
            Path.GetFullPath(request.Output),
            architecture.Id,
            splits.Folder,
            "owner",
            splits.Owner.Count,
            splits.Test.Count,
            request.Epochs,
            request.Seed,
            request.BatchSize,
            request.LearningRate,
            optimizer.ToString().ToLowerInvariant(),
            parameters,
            accuracy,
            history.Select(h => h.Elapsed.TotalSeconds).ToList());
    }

    internal static OptimizerKind ParseOptimizer(string name) => name.ToLowerInvariant() switch
    {
        "adam" => OptimizerKind.Adam,
        "sgd" => OptimizerKind.Sgd,
        _ => throw new Errors.ModelShieldException(Errors.ErrorCodes.InvalidTrainingOption, $"Unknown optimizer '{name}'. Known: adam, sgd."),
    };

    private static void AddMetadata(ModelProto proto, Dictionary<string, string> entries)
    {
        foreach (var (key, value) in entries)
        {
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
    }

    private sealed class Progress(IProgress<string> log) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) =>
            log.Report(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {value.Epoch}/{value.Epochs}: loss {value.Loss:0.0000}, test accuracy {value.Accuracy:P2}, {value.Elapsed.TotalSeconds:0.0} s"));
    }
}
