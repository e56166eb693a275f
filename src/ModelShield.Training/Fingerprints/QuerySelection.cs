using ModelShield.Errors;
using Google.Protobuf;
using ModelShield.Onnx.Files;
using ModelShield.Training.Architectures;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Fingerprints;

/// <summary>
/// Chooses fingerprint queries for an owner model from the owner's images: samples it misclassifies, CutMix-style
/// mixes of two samples it labels differently, and samples pushed with its gradients (through the differentiable
/// executor) just across its decision boundary towards its second choice. Three candidates are made per query of
/// those kinds, and the ones kept are those that fine-tuned copies of the owner still answer as the owner does while
/// independently trained models do not (the idea of conferrable examples, with surrogates and references made here).
/// A share of natural samples, drawn at random and not selected, carries the owner's output distribution on real
/// inputs, which distilled students reproduce.
/// </summary>
internal static class QuerySelection
{
    /// <summary>Owner images scored when looking for candidates; enough for any query count, cheap on a CNN.</summary>
    public const int CandidateImages = 10_000;

    /// <summary>
    /// Shares of the query count per kind; mixes take the rest (15 % when every kind can supply its share). Boundary
    /// points are the largest share: copies follow them and independent models almost never do, so their label test
    /// carries most detections, while mixes, which independent models often label as the owner does, carry the fewest
    /// (docs/fingerprints.md, How the queries are chosen).
    /// </summary>
    public const double MisclassifiedShare = 0.2, BoundaryShare = 0.35, NaturalShare = 0.3;

    /// <summary>A boundary query stops once the owner's model gives its target class this probability: past the boundary, not far beyond.</summary>
    public const float BoundaryTargetProbability = 0.6f;

    /// <summary>L2 length of one gradient step in [0, 1] pixel space (784 pixels: about 0.002 a pixel).</summary>
    public const float BoundaryStep = 0.05f;

    /// <summary>Most steps towards the boundary; points that never cross stay near it and are kept.</summary>
    public const int BoundaryMaxSteps = 300;

    /// <summary>Candidates made per query kept: the selection keeps the third that best tells copies from independent models.</summary>
    public const int CandidatesPerQuery = 3;

    /// <summary>Copies of the owner fine-tuned here (1 epoch on its own images) that the queries must survive.</summary>
    public const int Surrogates = 3;

    /// <summary>
    /// Independent MLPs trained here (1 epoch) that the queries should not agree with; never the calibration's null
    /// models. Six rather than three: a finer score lowered the null models' label agreement (three full-zoo runs each,
    /// docs/fingerprints.md) for a few seconds of record time.
    /// </summary>
    public const int SelectionReferences = 6;

    /// <summary>The surrogates' fine-tuning rate: a gentle change, as a thief who wants to keep the model's accuracy makes.</summary>
    public const double SurrogateLearningRate = 5e-4;

    public static LabQueries Select(OnnxModel owner, LabSplits splits, int count, int seed, CancellationToken cancellation)
    {
        using var scope = NewDisposeScope();
        using var module = OnnxModule.Create(owner);
        module.eval();
        var rowShape = RowShape(owner, module, splits.Owner);
        var random = new Random(seed);
        var candidates = splits.Owner.Take(CandidateImages);
        var predicted = Predict(module, candidates.ImagesTensor(), rowShape);

        var wantMisclassified = (int)Math.Round(count * MisclassifiedShare);
        var wantBoundary = (int)Math.Round(count * BoundaryShare);
        var wantNatural = Math.Min((int)Math.Round(count * NaturalShare), candidates.Count);
        var misclassified = Enumerable.Range(0, candidates.Count).Where(i => predicted[i] != candidates.Labels[i]).ToList();
        Shuffle(misclassified, random);
        wantMisclassified = Math.Min(wantMisclassified, misclassified.Count / CandidatesPerQuery);
        var correct = Enumerable.Range(0, candidates.Count).Where(i => predicted[i] == candidates.Labels[i]).ToList();
        Shuffle(correct, random);
        wantBoundary = Math.Min(wantBoundary, correct.Count / CandidatesPerQuery);

        // Mixes fill whatever the other kinds could not supply (a very accurate owner has few mistakes).
        var wantMixes = count - wantMisclassified - wantBoundary - wantNatural;
        if (candidates.Count < 2 || predicted.Distinct().Count() < 2)
        {
            throw new ModelShieldException(ErrorCodes.FingerprintQueriesUnavailable, $"The owner's {candidates.Count} images cannot give {count} fingerprint queries (the model must predict at least two classes on them).");
        }

        var pool = new List<(float[] Row, string Kind)>();
        pool.AddRange(misclassified.Take(wantMisclassified * CandidatesPerQuery).Select(i => (Image(candidates, i), "misclassified")));
        for (var k = 0; k < wantMixes * CandidatesPerQuery; k++)
        {
            pool.Add((CutMix(candidates, predicted, random), "mix"));
        }

        pool.AddRange(PushAcrossBoundary(module, candidates, correct.Take(wantBoundary * CandidatesPerQuery).ToList(), rowShape, cancellation).Select(r => (r, "boundary")));

        var scores = SelectionScores(owner, module, candidates, rowShape, pool.Select(p => p.Row).ToList(), random, cancellation);
        var chosen = new List<(float[] Row, string Kind)>();
        foreach (var (kind, want) in new[] { ("misclassified", wantMisclassified), ("mix", wantMixes), ("boundary", wantBoundary) })
        {
            // OrderByDescending is stable and the pool is in random order, so ties fall randomly.
            chosen.AddRange(Enumerable.Range(0, pool.Count).Where(i => pool[i].Kind == kind).OrderByDescending(i => scores[i]).Take(want).Select(i => pool[i]));
        }

        // Natural samples are drawn from the whole candidate set after the pool, so they never depend on the scores.
        var natural = Enumerable.Range(0, candidates.Count).Except(misclassified.Take(wantMisclassified * CandidatesPerQuery)).ToList();
        Shuffle(natural, random);
        chosen.AddRange(natural.Take(wantNatural).Select(i => (Image(candidates, i), "natural")));
        Shuffle(chosen, random);
        var pixels = candidates.PixelsPerImage;
        var inputs = new float[chosen.Count * pixels];
        for (var i = 0; i < chosen.Count; i++)
        {
            chosen[i].Row.CopyTo(inputs, i * pixels);
        }

        return new LabQueries(rowShape, inputs, chosen.Select(r => r.Kind).ToList());
    }

    /// <summary>
    /// For each candidate: how many surrogate copies of the owner give the owner's label, minus how many independent
    /// selection references do (conferrable-example style). Both kinds of model are made here from the owner's images,
    /// with seeds drawn from the record's secret randomness.
    /// </summary>
    private static double[] SelectionScores(OnnxModel owner, OnnxModule ownerModule, ImageSet images, int[] rowShape, List<float[]> rows, Random random, CancellationToken cancellation)
    {
        using var scope = NewDisposeScope();
        long[] shape = [rows.Count, .. rowShape.Select(d => (long)d)];
        var queries = torch.tensor(rows.SelectMany(r => r).ToArray()).reshape(shape);
        var ownerLabels = Trainer.Logits(ownerModule, queries).argmax(1);
        var trainImages = images.ImagesTensor();
        var ownerShaped = trainImages.reshape([images.Count, .. rowShape.Select(d => (long)d)]);
        var trainLabels = images.LabelsTensor();
        var scores = torch.zeros(rows.Count, dtype: ScalarType.Float64);
        for (var s = 0; s < Surrogates; s++)
        {
            using var surrogate = OnnxModule.Create(owner);
            var options = new TrainingOptions { Epochs = 1, LearningRate = SurrogateLearningRate, Seed = random.Next(), Cancellation = cancellation };
            Trainer.Fit(surrogate, ownerShaped, trainLabels, static (logits, targets) => nn.functional.cross_entropy(logits, targets), options);
            scores.add_(Trainer.Logits(surrogate, queries).argmax(1).eq(ownerLabels).to_type(ScalarType.Float64), PinnedScalars.One);
        }

        var asked = queries.reshape(rows.Count, 1, images.Height, images.Width);
        var mlp = ArchitectureRegistry.Get("mlp");
        for (var r = 0; r < SelectionReferences; r++)
        {
            var referenceSeed = random.Next();
            using var reference = OnnxModule.Create(OnnxModel.Parse(mlp.Build(referenceSeed, images.Height, images.Width).ToByteArray(), null));
            Trainer.TrainClassifier(reference, images, new TrainingOptions { Epochs = 1, Seed = referenceSeed, Cancellation = cancellation });
            scores.sub_(Trainer.Logits(reference, asked).argmax(1).eq(ownerLabels).to_type(ScalarType.Float64));
        }

        return scores.data<double>().ToArray();
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

    private static int[] Predict(OnnxModule module, Tensor images, int[] rowShape)
    {
        using var scope = NewDisposeScope();
        var x = images.reshape([images.shape[0], .. rowShape.Select(d => (long)d)]);
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
    private static List<float[]> PushAcrossBoundary(OnnxModule module, ImageSet images, List<int> starts, int[] rowShape, CancellationToken cancellation)
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
        // Named scalars outlive the native calls that read them (see ParameterUpdate).
        using var stopAt = BoundaryTargetProbability.ToScalar();
        using var stepLength = BoundaryStep.ToScalar();
        using var tiny = 1e-12f.ToScalar();
        using var black = 0f.ToScalar();
        using var white = 1f.ToScalar();
        for (var step = 0; step < BoundaryMaxSteps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            var input = x.detach().requires_grad_(true);
            var logits = module.forward(input);
            var probabilities = logits.softmax(1).detach();
            var active = probabilities[rows, target].lt(stopAt);
            if (!active.any().item<bool>())
            {
                break;
            }

            var margin = (logits[rows, source] - logits[rows, target]).sum();
            var gradient = torch.autograd.grad([margin], [input])[0].reshape(n, -1);
            var norm = gradient.norm(1, keepdim: true).clamp_min(tiny);
            var move = (gradient / norm * stepLength * active.unsqueeze(1).to_type(ScalarType.Float32)).reshape(shape);
            x = (x - move).clamp(black, white).detach().MoveToOuterDisposeScope();
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
