using System.Diagnostics;
using ModelShield.Errors;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Trainers;

/// <summary>
/// Mini-batch training of an executor module: shuffled batches each epoch (seeded), Adam or SGD,
/// a loss over (logits, targets), optional evaluation accuracy after each epoch.
/// </summary>
internal static class Trainer
{
    private const int EvaluationBatch = 1000;

    /// <summary>Trains a classifier on hard labels with cross-entropy.</summary>
    public static IReadOnlyList<EpochProgress> TrainClassifier(OnnxModule module, ImageSet data, TrainingOptions options, ImageSet? evaluation = null)
    {
        using var images = data.ImagesTensor();
        using var labels = data.LabelsTensor();
        return Fit(module, images, labels, static (logits, targets) => nn.functional.cross_entropy(logits, targets), options, evaluation);
    }

    /// <summary>
    /// Trains on any targets: <paramref name="loss"/> gets a batch's logits and the rows of
    /// <paramref name="targets"/> for the same images (labels, or a teacher's probabilities).
    /// </summary>
    public static IReadOnlyList<EpochProgress> Fit(OnnxModule module, Tensor images, Tensor targets, Func<Tensor, Tensor, Tensor> loss, TrainingOptions options, ImageSet? evaluation = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var parameters = module.Weights
            .Where(w => w.Trainable && (options.OnlyWeights is null || options.OnlyWeights.Contains(w.Name)))
            .Select(w => (TorchSharp.Modules.Parameter)w.Value)
            .ToList();
        if (options.OnlyWeights is not null && parameters.Count != options.OnlyWeights.Count)
        {
            var missing = options.OnlyWeights.Except(module.Weights.Where(w => w.Trainable).Select(w => w.Name));
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"No trainable initializer named {string.Join(", ", missing)}.");
        }

        var frozen = module.Weights.Where(w => w.Trainable && !parameters.Contains(w.Value)).Select(w => w.Value).ToList();
        foreach (var weight in frozen)
        {
            weight.requires_grad = false;
        }

        try
        {
            return Run(module, images, targets, loss, options, parameters, evaluation);
        }
        finally
        {
            foreach (var weight in frozen)
            {
                weight.requires_grad = true;
            }
        }
    }

    /// <summary>The share of images whose highest logit is the label.</summary>
    public static double Accuracy(OnnxModule module, ImageSet data)
    {
        using var scope = NewDisposeScope();
        using var images = data.ImagesTensor();
        var logits = Logits(module, images);
        // An argmax over NaN picks class 0 and would pass for a (poor) accuracy: how a wrong convolution kernel went unnoticed.
        var nonFinite = logits.isfinite().logical_not().sum().item<long>();
        if (nonFinite > 0)
        {
            throw new ModelShieldException(
                ErrorCodes.NonFiniteOutputs,
                $"The model's outputs on {data.Count} evaluation images include {nonFinite} NaN or infinite values, so its accuracy is undefined: its weights diverged in training or the model is broken.");
        }

        var predicted = logits.argmax(1);
        var labels = data.LabelsTensor();
        return (predicted == labels).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>The module's logits for images, in evaluation mode, without gradients, in batches.</summary>
    public static Tensor Logits(OnnxModule module, Tensor images)
    {
        var wasTraining = module.training;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            var parts = new List<Tensor>();
            for (long start = 0; start < images.shape[0]; start += EvaluationBatch)
            {
                // Each batch's activations are freed as it ends: kept to the end, a CNN's for 20,000 images take gigabytes.
                using var batch = NewDisposeScope();
                var length = Math.Min(EvaluationBatch, images.shape[0] - start);
                parts.Add(module.forward(images.narrow(0, start, length)).detach().MoveToOuterDisposeScope());
            }

            return parts.Count == 1 ? parts[0] : torch.cat(parts, 0);
        }
        finally
        {
            module.train(wasTraining);
        }
    }

    private static List<EpochProgress> Run(OnnxModule module, Tensor images, Tensor targets, Func<Tensor, Tensor, Tensor> loss, TrainingOptions options, List<TorchSharp.Modules.Parameter> parameters, ImageSet? evaluation)
    {
        var history = new List<EpochProgress>();
        if (options.Epochs == 0 || parameters.Count == 0)
        {
            return history;
        }

        torch.manual_seed(options.Seed);
        using var generator = new Generator((ulong)options.Seed);
        using var optimizer = ParameterUpdate.Create(options.Optimizer, parameters, options.LearningRate, options.Momentum);
        var count = images.shape[0];
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            module.train();
            double total = 0;
            long batches = 0;
            using (var order = torch.randperm(count, generator: generator))
            {
                for (long start = 0; start < count; start += options.BatchSize)
                {
                    options.Cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var index = order.narrow(0, start, Math.Min(options.BatchSize, count - start));
                    optimizer.ZeroGrad();
                    var batchLoss = loss(module.forward(images.index_select(0, index)), targets.index_select(0, index));
                    if (options.Penalty is { } penalty)
                    {
                        batchLoss = batchLoss.add(penalty(), PinnedScalars.One);
                    }

                    batchLoss.backward();
                    optimizer.Step();
                    total += batchLoss.item<float>();
                    batches++;
                }
            }

            // The epoch's time is the training alone; evaluation comes after.
            var elapsed = clock.Elapsed;
            module.eval();
            var accuracy = evaluation is null ? (double?)null : Accuracy(module, evaluation);
            var progress = new EpochProgress(epoch, options.Epochs, total / batches, accuracy, elapsed);
            history.Add(progress);
            options.Progress?.Report(progress);
        }

        return history;
    }
}
