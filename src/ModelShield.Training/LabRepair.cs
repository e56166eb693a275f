using System.Globalization;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training;

/// <summary>One tensor's share of a <see cref="MarginConstraint"/>: each element's row and coefficient.</summary>
/// <param name="Tensor">The initializer's name.</param>
/// <param name="Rows">Each element's constraint row (row-major element order).</param>
/// <param name="Coefficients">Each element's coefficient in its row.</param>
public sealed record MarginConstraintTensor(string Tensor, int[] Rows, float[] Coefficients);

/// <summary>
/// Linear constraints on a model's weights that training must keep: row j holds while
/// Signs[j] × Scales[j] × Σ coefficient × weight ≥ Margin (a white-box watermark is one such set).
/// </summary>
/// <param name="Tensors">The tensors the rows read.</param>
/// <param name="Signs">+1 or −1 per row.</param>
/// <param name="Scales">A scale per row.</param>
/// <param name="Margin">The margin each row is kept at.</param>
public sealed record MarginConstraint(IReadOnlyList<MarginConstraintTensor> Tensors, float[] Signs, float[] Scales, double Margin);

/// <summary>How <see cref="LabRepair.Repair"/> fine-tunes.</summary>
public sealed record LabRepairRequest
{
    /// <summary>The data folder whose owner split is trained on; null as in <see cref="LabTrainRequest.DataFolder"/>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Passes over the owner split.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Adam's learning rate: small, to recover accuracy rather than retrain.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Weight of the hinge penalty on rows below the margin, against the cross-entropy.</summary>
    public double PenaltyWeight { get; init; } = 1.0;

    /// <summary>Seeds the shuffling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Receives a line per epoch.</summary>
    public IProgress<string>? Log { get; init; }

    /// <summary>Stops the fine-tuning (with <see cref="OperationCanceledException"/>) once cancelled.</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>
/// What repair did: test accuracy before and after. Which rows hold is for the constraint's owner to count on the
/// written weights: the penalty's float32 sums can put a row within rounding of the margin on the other side.
/// </summary>
/// <param name="Epochs">Epochs run.</param>
/// <param name="LearningRate">The learning rate.</param>
/// <param name="TrainImages">Owner images trained on.</param>
/// <param name="TestImages">Test images measured on.</param>
/// <param name="AccuracyBefore">Test accuracy before repair.</param>
/// <param name="AccuracyAfter">Test accuracy after.</param>
/// <param name="EpochSeconds">Training time per epoch.</param>
public sealed record LabRepairResult(int Epochs, double LearningRate, int TrainImages, int TestImages, double AccuracyBefore, double AccuracyAfter, IReadOnlyList<double> EpochSeconds);

/// <summary>
/// Repair fine-tuning (Uchida et al. 2017 style): trains on the owner split with cross-entropy plus a hinge penalty that
/// keeps every constraint row at its margin, to win back accuracy a closed-form change cost without losing it.
/// </summary>
public static class LabRepair
{
    /// <summary>Fine-tunes <paramref name="model"/> in place; only initializer values change.</summary>
    public static LabRepairResult Repair(OnnxModel model, MarginConstraint constraint, LabRepairRequest request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(constraint);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Epochs is < 1 or > 1000 || !(request.PenaltyWeight > 0 && request.PenaltyWeight < 1e6))
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"Repair needs from 1 to 1000 epochs (not {request.Epochs}) and a positive penalty weight.");
        }

        var splits = LabSplits.Load(request.DataFolder);
        using var module = OnnxModule.Create(model);
        var terms = constraint.Tensors.Select(t =>
        {
            var weight = module.Weights.FirstOrDefault(w => w.Name == t.Tensor && w.Trainable)
                ?? throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"The model has no trainable initializer '{t.Tensor}' to keep the constraint on.");
            if (weight.Value.numel() != t.Rows.Length || t.Coefficients.Length != t.Rows.Length)
            {
                throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"Initializer '{t.Tensor}' has {weight.Value.numel()} elements; the constraint covers {t.Rows.Length}.");
            }

            return (Weight: weight.Value, Rows: torch.tensor(Array.ConvertAll(t.Rows, r => (long)r)), Coefficients: torch.tensor(t.Coefficients));
        }).ToList();
        using var signs = torch.tensor(constraint.Signs);
        using var scales = torch.tensor(constraint.Scales);
        using var margin = constraint.Margin.ToScalar();
        using var penaltyWeight = request.PenaltyWeight.ToScalar();
        try
        {
            Tensor Signed() => terms.Aggregate(zeros(constraint.Signs.Length), (sum, t) => sum.index_add(0, t.Rows, t.Weight.flatten() * t.Coefficients, PinnedScalars.One)) * scales * signs;
            var accuracyBefore = Trainer.Accuracy(module, splits.Test);
            var history = Trainer.TrainClassifier(module, splits.Owner, new TrainingOptions
            {
                Epochs = request.Epochs,
                LearningRate = request.LearningRate,
                Seed = request.Seed,
                Penalty = () => nn.functional.relu(margin - Signed()).sum() * penaltyWeight,
                Progress = new Progress(request.Log),
                Cancellation = request.Cancellation,
            }, splits.Test);
            var result = new LabRepairResult(
                history.Count,
                request.LearningRate,
                splits.Owner.Count,
                splits.Test.Count,
                accuracyBefore,
                Trainer.Accuracy(module, splits.Test),
                history.Select(h => h.Elapsed.TotalSeconds).ToList());
            module.WriteWeightsTo(model);
            return result;
        }
        finally
        {
            foreach (var t in terms)
            {
                t.Rows.Dispose();
                t.Coefficients.Dispose();
            }
        }
    }

    private sealed class Progress(IProgress<string>? log) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => log?.Report(string.Create(CultureInfo.InvariantCulture, $"repair: epoch {value.Epoch}/{value.Epochs}, loss {value.Loss:0.0000}, test accuracy {value.Accuracy:P2}, {value.Elapsed.TotalSeconds:0.0} s"));
    }
}
