using System.Diagnostics;
using ModelShield.Errors;
using ModelShield.Onnx.Inference.Predictors;
using ModelShield.Training.Data;

namespace ModelShield.Training;

/// <summary>What <see cref="LabPredictions.Predict"/> does: run a model on the first images of one lab split.</summary>
public sealed record LabPredictRequest
{
    /// <summary>The model file.</summary>
    public required string Model { get; init; }

    /// <summary>owner, attacker or test (DESIGN.md, The lab).</summary>
    public string Split { get; init; } = "test";

    /// <summary>How many images, from the split's start; 0 for the whole split.</summary>
    public int Count { get; init; }

    /// <summary>Where to write the [images, classes] float32 probabilities as a NumPy .npy file.</summary>
    public required string Output { get; init; }

    /// <summary>The data folder; null as in <see cref="LabTrainRequest.DataFolder"/>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Replace an existing output.</summary>
    public bool Overwrite { get; init; }
}

/// <summary>The probabilities written and the model's accuracy on the same images.</summary>
public sealed record LabPredictResult(string Model, string Output, string DataFolder, string Split, int Images, int Classes, bool SoftmaxApplied, double Accuracy, double Seconds);

/// <summary>
/// Runs a model through ONNX Runtime, as detection does, on a lab split and keeps every answer: the raw material for
/// analyses that the fingerprint queries alone cannot support (how models agree on real inputs, scripts/fingerprint-ceiling).
/// </summary>
public static class LabPredictions
{
    /// <summary>The split names <see cref="Predict"/> accepts.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["owner", "attacker", "test"];

    private const int Batch = 500;

    /// <summary>Predicts the split's first images and writes their probabilities atomically.</summary>
    public static LabPredictResult Predict(LabPredictRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Splits.Contains(request.Split))
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"Unknown split '{request.Split}'. Known: {string.Join(", ", Splits)}.");
        }

        if (request.Count < 0)
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"--count must be 0 (the whole split) or more, not {request.Count}.");
        }

        OutputCheck.BeforeWork(request.Output, request.Overwrite, request.Model);
        var started = Stopwatch.StartNew();
        var splits = LabSplits.Load(request.DataFolder);
        var split = request.Split switch { "owner" => splits.Owner, "attacker" => splits.Attacker, _ => splits.Test };
        var images = request.Count == 0 ? split : split.Take(request.Count);
        var answers = Answers(request.Model, images);
        var probabilities = answers.Probabilities
            ?? throw new ModelShieldException(ErrorCodes.SuspectUnsupported, $"'{request.Model}' answers labels only; lab predict writes probabilities, so it needs a model with a score output.");
        var classes = probabilities.GetLength(1);
        var values = new float[images.Count * classes];
        Buffer.BlockCopy(probabilities, 0, values, 0, values.Length * sizeof(float));
        NpyArray.FromSingles(values, images.Count, classes).Write(request.Output, request.Overwrite);
        var right = 0;
        for (var i = 0; i < images.Count; i++)
        {
            right += answers.Labels[i] == images.Labels[i] ? 1 : 0;
        }

        return new LabPredictResult(
            Path.GetFullPath(request.Model),
            Path.GetFullPath(request.Output),
            splits.Folder,
            request.Split,
            images.Count,
            classes,
            answers.SoftmaxApplied,
            images.Count == 0 ? 0 : (double)right / images.Count,
            started.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// A model file's answers to images (pixels scaled to [0, 1]) through ONNX Runtime: batched, softmax applied to
    /// scores, top-1 classes taken exactly as detection takes them.
    /// </summary>
    internal static Predictions Answers(string modelPath, ImageSet images)
    {
        var input = Array.ConvertAll(images.Pixels, p => p / 255f);
        var predictor = LocalPredictor.Open(modelPath, new PredictorOptions { BatchSize = Batch });
        try
        {
            return predictor.PredictAsync(input, images.Count).GetAwaiter().GetResult();
        }
        finally
        {
            predictor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
