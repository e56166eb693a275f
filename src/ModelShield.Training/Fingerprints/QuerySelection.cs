using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Fingerprints;

/// <summary>
/// Chooses fingerprint queries for an owner model from the owner's images: samples it misclassifies, CutMix-style
/// mixes of two samples it labels differently, and samples pushed with its gradients (through the differentiable
/// executor) just across its decision boundary towards its second choice.
/// </summary>
internal static class QuerySelection
{
    /// <summary>Owner images scored when looking for candidates; enough for any query count, cheap on a CNN.</summary>
    public const int CandidateImages = 10_000;

    /// <summary>A boundary query stops once the owner's model gives its target class this probability: past the boundary, not far beyond.</summary>
    public const float BoundaryTargetProbability = 0.6f;

    /// <summary>L2 length of one gradient step in [0, 1] pixel space (784 pixels: about 0.002 a pixel).</summary>
    public const float BoundaryStep = 0.05f;

    /// <summary>Most steps towards the boundary; points that never cross stay near it and are kept.</summary>
    public const int BoundaryMaxSteps = 300;

    public static LabQueries Select(OnnxModel owner, LabSplits splits, int count, int seed)
    {
        using var scope = NewDisposeScope();
        using var module = OnnxModule.Create(owner);
        module.eval();
        var rowShape = RowShape(owner, module, splits.Owner);
        var random = new Random(seed);
        var candidates = splits.Owner.Take(CandidateImages);
        var predicted = Predict(module, candidates, rowShape);

        var wantMisclassified = (int)Math.Round(count * 0.3);
        var wantBoundary = (int)Math.Round(count * 0.3);
        var misclassified = Enumerable.Range(0, candidates.Count).Where(i => predicted[i] != candidates.Labels[i]).ToList();
        Shuffle(misclassified, random);
        misclassified = misclassified.Take(wantMisclassified).ToList();
        var correct = Enumerable.Range(0, candidates.Count).Where(i => predicted[i] == candidates.Labels[i]).ToList();
        Shuffle(correct, random);
        var boundaryStarts = correct.Take(wantBoundary).ToList();

        // Mixes fill whatever the other kinds could not supply (a very accurate owner has few mistakes).
        var mixes = count - misclassified.Count - boundaryStarts.Count;
        if (mixes < 1 || candidates.Count < 2 || predicted.Distinct().Count() < 2)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintQueriesUnavailable, $"The owner's {candidates.Count} images cannot give {count} fingerprint queries (the model must predict at least two classes on them).");
        }

        var pixels = candidates.PixelsPerImage;
        var rows = new List<(float[] Row, string Kind)>();
        rows.AddRange(misclassified.Select(i => (Image(candidates, i), "misclassified")));
        for (var k = 0; k < mixes; k++)
        {
            rows.Add((CutMix(candidates, predicted, random), "mix"));
        }

        rows.AddRange(PushAcrossBoundary(module, candidates, boundaryStarts, rowShape).Select(r => (r, "boundary")));
        Shuffle(rows, random);
        var inputs = new float[rows.Count * pixels];
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Row.CopyTo(inputs, i * pixels);
        }

        return new LabQueries(rowShape, inputs, rows.Select(r => r.Kind).ToList());
    }

    /// <summary>The owner's input shape without the batch dimension; it must hold one image.</summary>
    private static int[] RowShape(OnnxModel owner, OnnxModule module, ImageSet images)
    {
        var input = owner.Graph.Input.FirstOrDefault(i => i.Name == module.InputNames[0]);
        var dims = input?.Type?.TensorType?.Shape?.Dim.Skip(1).Select(d => d.DimValue).ToArray() ?? [];
        if (dims.Length == 0 || dims.Any(d => d < 1) || dims.Aggregate(1L, (a, d) => a * d) != images.PixelsPerImage)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintQueriesUnavailable, $"The owner's model does not take one {images.Height}x{images.Width} image per row (input '{module.InputNames[0]}' has row shape [{string.Join(", ", dims)}]).");
        }

        return [.. dims.Select(d => (int)d)];
    }

    private static int[] Predict(OnnxModule module, ImageSet images, int[] rowShape)
    {
        using var scope = NewDisposeScope();
        var x = images.ImagesTensor().reshape([images.Count, .. rowShape.Select(d => (long)d)]);
        return Trainer.Logits(module, x).argmax(1).data<long>().Select(v => (int)v).ToArray();
    }

    private static float[] Image(ImageSet images, int index)
    {
        var row = new float[images.PixelsPerImage];
        for (var p = 0; p < row.Length; p++)
        {
            row[p] = images.Pixels[(index * images.PixelsPerImage) + p] / 255f;
        }

        return row;
    }

    /// <summary>Image a with a random rectangle (30-60 % of its area) taken from image b, which the owner labels differently.</summary>
    private static float[] CutMix(ImageSet images, int[] predicted, Random random)
    {
        int a, b;
        do
        {
            a = random.Next(images.Count);
            b = random.Next(images.Count);
        }
        while (predicted[a] == predicted[b]);

        var row = Image(images, a);
        var patch = Image(images, b);
        var side = Math.Sqrt(0.3 + (0.3 * random.NextDouble()));
        var h = Math.Max(1, (int)Math.Round(images.Height * side));
        var w = Math.Max(1, (int)Math.Round(images.Width * side));
        var top = random.Next(images.Height - h + 1);
        var left = random.Next(images.Width - w + 1);
        for (var y = top; y < top + h; y++)
        {
            for (var x = left; x < left + w; x++)
            {
                row[(y * images.Width) + x] = patch[(y * images.Width) + x];
            }
        }

        return row;
    }

    /// <summary>
    /// Gradient steps (normalized per image) that lower the owner's logit margin of its label over its second choice,
    /// each image stopping once the second choice has <see cref="BoundaryTargetProbability"/>.
    /// </summary>
    private static List<float[]> PushAcrossBoundary(OnnxModule module, ImageSet images, List<int> starts, int[] rowShape)
    {
        if (starts.Count == 0)
        {
            return [];
        }

        using var scope = NewDisposeScope();
        var n = starts.Count;
        long[] shape = [n, .. rowShape.Select(d => (long)d)];
        var x = images.Subset(starts).ImagesTensor().reshape(shape);
        var (source, target) = TopTwo(module, x);
        var rows = torch.arange(n, dtype: ScalarType.Int64);
        for (var step = 0; step < BoundaryMaxSteps; step++)
        {
            using var stepScope = NewDisposeScope();
            var input = x.detach().requires_grad_(true);
            var logits = module.forward(input);
            var probabilities = logits.softmax(1).detach();
            var active = probabilities[rows, target].lt(BoundaryTargetProbability);
            if (!active.any().item<bool>())
            {
                break;
            }

            var margin = (logits[rows, source] - logits[rows, target]).sum();
            var gradient = torch.autograd.grad([margin], [input])[0].reshape(n, -1);
            var norm = gradient.norm(1, keepdim: true).clamp_min(1e-12f);
            var move = (gradient / norm * BoundaryStep * active.unsqueeze(1).to_type(ScalarType.Float32)).reshape(shape);
            x = (x - move).clamp(0, 1).detach().MoveToOuterDisposeScope();
        }

        var values = x.reshape(n, -1).data<float>().ToArray();
        var width = values.Length / n;
        return Enumerable.Range(0, n).Select(i => values.AsSpan(i * width, width).ToArray()).ToList();
    }

    private static (Tensor Source, Tensor Target) TopTwo(OnnxModule module, Tensor x)
    {
        using var noGrad = no_grad();
        var top = module.forward(x).topk(2, 1).indexes;
        return (top.select(1, 0).clone(), top.select(1, 1).clone());
    }

    private static void Shuffle<T>(List<T> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
