using ModelShield.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Trainers;

/// <summary>The optimisers the lab trains with.</summary>
internal enum OptimizerKind
{
    Adam,
    Sgd,
}

/// <summary>How to train: epochs, batch size, optimiser and learning rate, seed, and which weights may change.</summary>
internal sealed record TrainingOptions
{
    public int Epochs { get; init; } = 5;

    public int BatchSize { get; init; } = 64;

    public double LearningRate { get; init; } = 1e-3;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>SGD's momentum (ignored by Adam).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Seeds the shuffling and dropout, so that the same options give the same model.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The initializers training may change; null trains every trainable one.</summary>
    public IReadOnlySet<string>? OnlyWeights { get; init; }

    /// <summary>A term added to every batch's loss (e.g. a penalty that keeps a watermark); null for none.</summary>
    public Func<Tensor>? Penalty { get; init; }

    /// <summary>Told after each epoch.</summary>
    public IProgress<EpochProgress>? Progress { get; init; }

    /// <summary>Checked before every batch: training stops with <see cref="OperationCanceledException"/> once it is cancelled.</summary>
    public CancellationToken Cancellation { get; init; }

    public void Validate()
    {
        if (Epochs < 0 || Epochs > 10_000)
        {
            throw Bad($"epochs must be from 0 to 10000, not {Epochs}");
        }

        if (BatchSize < 1 || BatchSize > 1 << 16)
        {
            throw Bad($"batch size must be from 1 to 65536, not {BatchSize}");
        }

        if (!(LearningRate > 0 && LearningRate < 10))
        {
            throw Bad($"learning rate must be above 0 and below 10, not {LearningRate}");
        }
    }

    private static ModelShieldException Bad(string message) => new(ErrorCodes.InvalidTrainingOption, message + ".");
}

/// <summary>One finished epoch: its mean training loss, the evaluation accuracy when an evaluation set was given, and the time it took.</summary>
internal sealed record EpochProgress(int Epoch, int Epochs, double Loss, double? Accuracy, TimeSpan Elapsed);
