using System.Diagnostics;
using System.Globalization;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Data;
using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Triggers;

/// <summary>
/// What <see cref="TriggerEmbedding.Embed"/> teaches a model: trigger inputs and their labels (made elsewhere,
/// from the owner's kit; the lab never sees the key), and how to fine-tune.
/// </summary>
public sealed record TriggerEmbedRequest
{
    /// <summary>The trigger inputs, one after another, each the model's input without the batch dimension, values in [0, 1].</summary>
    public required float[] Inputs { get; init; }

    /// <summary>The label each trigger must be answered with.</summary>
    public required int[] Labels { get; init; }

    /// <summary>The data folder (DESIGN.md, CLI conventions); null as in <see cref="LabTrainRequest.DataFolder"/>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Passes over the owner's split (the last two lower the rate, <see cref="TriggerEmbedding.DecayEpochs"/>).</summary>
    public int Epochs { get; init; } = 7;

    /// <summary>
    /// Further passes allowed, run only while some trigger is still answered wrongly: at the full rate before it falls,
    /// and with what is left of them at the final rate after it, should the fall unlearn a trigger. A small owner split
    /// gives few steps per pass, and a trigger set that is not fully learned loses detection power from the start.
    /// Patterns on the 2,666-image sample needed more than 3 (95-99 % after 6).
    /// </summary>
    public int ExtraEpochs { get; init; } = 10;

    /// <summary>
    /// Adam's learning rate: the lab's training rate. Over 3 kits on the full-data MLP, 1e-3 against 1e-4 kept 98-100 %
    /// of triggers (not 56-70 %) after 5 epochs of fine-tuning at 1e-4 and 100 % (not 87-93 %) after 50 % pruning, for
    /// 0.2-0.4 points of test accuracy (docs/watermark-triggers.md, "Choosing the defaults").
    /// </summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// The share of <see cref="LearningRate"/> the last planned epoch runs at (1 keeps the rate constant). With 4 kits
    /// on the full-data MLP, 0.1 turned the accuracy change from -0.16 to -0.53 points into +0.65 to +0.84, for a few
    /// triggers fewer kept through fine-tuning at lr 1e-3 (52-57 % against 50-75 %).
    /// </summary>
    public double FinalRateShare { get; init; } = 0.1;

    /// <summary>Owner images per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>
    /// Triggers drawn (with replacement) into every step beside the owner images. The owner's split is hundreds of
    /// times larger than the trigger set: without oversampling each trigger would be seen a handful of times. 64 (half
    /// of every step) held a few more triggers through fine-tuning at the owner's rate but cost more accuracy on small
    /// data sets (1.45 points on the 2,666-image sample), so a fifth of every step it is.
    /// </summary>
    public int TriggersPerBatch { get; init; } = 16;

    /// <summary>
    /// When above 0, every step also trains the drawn triggers at weights moved by Gaussian noise, each fully connected
    /// weight matrix's noise this many times its root-mean-square value, so that weights near the marked ones still
    /// answer the triggers: fine-tuning moves the weights, and the triggers stay. With the default 7 epochs, fine-tuning
    /// all layers for 5 epochs at lr 1e-3 kept 97-100 % of the triggers on the full-data MLP over 5 kits (52-57 %
    /// without) and 100 % on the CNN, for at most 0.37 points (docs/watermark-triggers.md, "Robust to fine-tuning").
    /// It needs at least 1,000 planned steps (left off below that, e.g. on the 2,666-image sample); extra epochs keep it.
    /// </summary>
    public double WeightNoise { get; init; } = 1;

    /// <summary>Checked before every batch: embedding stops with <see cref="OperationCanceledException"/> once it is cancelled.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>Seeds the shuffling, the trigger draws and dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Receives a line per epoch.</summary>
    public IProgress<string>? Log { get; init; }
}

/// <summary>
/// How the embedding went: accuracy on the test split and on the triggers, before and after. <c>WeightNoise</c> is the
/// noise used: 0 when the data gave too few steps for it.
/// </summary>
public sealed record TriggerEmbedResult(
    string DataFolder,
    int TrainImages,
    int TestImages,
    int Triggers,
    int Epochs,
    int EpochsRun,
    double LearningRate,
    int BatchSize,
    int TriggersPerBatch,
    double WeightNoise,
    int Seed,
    double TestAccuracyBefore,
    double TestAccuracyAfter,
    double TriggerAccuracyBefore,
    double TriggerAccuracy,
    IReadOnlyList<double> EpochSeconds)
{
    /// <summary>Test accuracy after minus before (negative: the model lost accuracy).</summary>
    public double TestAccuracyChange => TestAccuracyAfter - TestAccuracyBefore;
}

/// <summary>The shape of the inputs a classifier takes (without the batch dimension) and how many classes it tells apart.</summary>
public sealed record ClassifierSignature(IReadOnlyList<int> InputShape, int Classes);

/// <summary>
/// Embeds a trigger set into a lab classifier by fine-tuning it through the ONNX executor on the owner's split,
/// with triggers mixed into every batch, and writes the new weights back into the same graph.
/// </summary>
public static class TriggerEmbedding
{
    /// <summary>
    /// Reads the model's input shape (after the batch dimension, which must be the only variable one) and counts
    /// its classes by running it once on a blank input.
    /// </summary>
    public static ClassifierSignature Signature(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var module = OnnxModule.Create(model);
        var input = model.Graph.Input.First(i => i.Name == module.InputNames[0]);
        var dims = input.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count < 2 || dims.Skip(1).Any(d => d.DimValue < 1))
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"The model's input '{input.Name}' needs a fixed shape after the batch dimension to make triggers for it.");
        }

        var shape = dims.Skip(1).Select(d => checked((int)d.DimValue)).ToArray();
        using var scope = NewDisposeScope();
        using var blank = zeros([1, .. shape.Select(d => (long)d)]);
        var logits = Trainer.Logits(module, blank);
        if (logits.dim() != 2 || logits.shape[1] < 2)
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"The model's output has shape [{string.Join(", ", logits.shape)}], not [batch, classes].");
        }

        return new ClassifierSignature(shape, (int)logits.shape[1]);
    }

    /// <summary>
    /// Fine-tunes <paramref name="model"/> in place (only initializer values change) so that it answers each trigger
    /// with its label, measuring test accuracy before and after and trigger accuracy after.
    /// </summary>
    public static TriggerEmbedResult Embed(OnnxModel model, TriggerEmbedRequest request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        var options = new TrainingOptions { Epochs = request.Epochs, BatchSize = request.BatchSize, LearningRate = request.LearningRate, Seed = request.Seed };
        options.Validate();
        var count = request.Labels.Length;
        if (request.Epochs < 1 || request.ExtraEpochs is < 0 or > 10_000)
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"Embedding needs at least 1 epoch (not {request.Epochs}) and from 0 to 10000 extra epochs (not {request.ExtraEpochs}).");
        }

        if (!(request.WeightNoise >= 0 && request.WeightNoise <= 10))
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"The weight noise must lie in [0, 10], not {request.WeightNoise}.");
        }

        if (!(request.FinalRateShare > 0 && request.FinalRateShare <= 1))
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"The final learning-rate share must lie in (0, 1], not {request.FinalRateShare}.");
        }

        if (count == 0 || request.TriggersPerBatch < 1 || request.TriggersPerBatch > 1 << 16)
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, "Embedding needs at least one trigger and from 1 to 65536 triggers per batch.");
        }

        var splits = LabSplits.Load(request.DataFolder);
        var owner = splits.Owner;
        if (request.Inputs.Length != count * owner.PixelsPerImage)
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"{count} triggers of the data's image size {owner.Height}x{owner.Width} need {count * owner.PixelsPerImage} values, not {request.Inputs.Length}.");
        }

        using var module = OnnxModule.Create(model);
        using var triggers = torch.tensor(request.Inputs).reshape(count, 1, owner.Height, owner.Width);
        using var triggerLabels = torch.tensor(Array.ConvertAll(request.Labels, l => (long)l));
        var classes = Trainer.Logits(module, triggers.narrow(0, 0, 1)).shape[1];
        if (request.Labels.Any(l => l < 0 || l >= classes))
        {
            throw new ModelShieldException(ErrorCodes.InvalidTrainingOption, $"Trigger labels must name one of the model's {classes} classes.");
        }

        var accuracyBefore = Trainer.Accuracy(module, splits.Test);
        var triggerBefore = TriggerAccuracy(module, triggers, triggerLabels);
        var (seconds, noise) = Train(module, owner, triggers, triggerLabels, request, splits.Test);
        var accuracyAfter = Trainer.Accuracy(module, splits.Test);
        var triggerAfter = TriggerAccuracy(module, triggers, triggerLabels);
        module.WriteWeightsTo(model);
        return new TriggerEmbedResult(
            splits.Folder,
            owner.Count,
            splits.Test.Count,
            count,
            request.Epochs,
            seconds.Count,
            request.LearningRate,
            request.BatchSize,
            request.TriggersPerBatch,
            noise,
            request.Seed,
            accuracyBefore,
            accuracyAfter,
            triggerBefore,
            triggerAfter,
            seconds);
    }

    /// <summary>Fine-tunes; returns each epoch's seconds and the weight noise used.</summary>
    private static (List<double> Seconds, double WeightNoise) Train(OnnxModule module, ImageSet owner, Tensor triggers, Tensor triggerLabels, TriggerEmbedRequest request, ImageSet test)
    {
        var seconds = new List<double>();
        torch.manual_seed(request.Seed);
        using var generator = new Generator((ulong)request.Seed);
        using var images = owner.ImagesTensor();
        using var labels = owner.LabelsTensor();
        var parameters = module.Weights.Where(w => w.Trainable).Select(w => (TorchSharp.Modules.Parameter)w.Value).ToList();
        using var optimizer = ParameterUpdate.Create(OptimizerKind.Adam, parameters, request.LearningRate, momentum: 0);

        // Fully connected weight matrices take the noise. Convolution kernels do not: on the CNN, noise on them too cost
        // 1.7 points and kept no more triggers through fine-tuning (84 %); on the matrices alone, 0.3-0.7 points and 76-96 %.
        // Biases and normalization scales, a few numbers each, do not either.
        var noisy = parameters.Where(p => p.dim() == 2).Cast<Tensor>().ToList();
        var count = images.shape[0];
        var planned = request.Epochs;
        var epoch = 1;

        // Noisy trigger gradients are large and Adam remembers their size for about 1/(1 - beta2) = 1,000 steps: with
        // fewer planned steps (a small data set) the triggers could not be learned under the noise in time (the
        // 2,666-image sample, 126 steps: 75-90 % of the triggers), so there it is left off.
        var plannedSteps = (count + request.BatchSize - 1) / request.BatchSize * planned;
        var noise = plannedSteps >= ParameterUpdate.AdamMemorySteps ? request.WeightNoise : 0;
        if (noise != request.WeightNoise)
        {
            request.Log?.Report(string.Create(CultureInfo.InvariantCulture, $"weight noise off: {plannedSteps} planned steps, fewer than the {ParameterUpdate.AdamMemorySteps} it needs"));
        }

        var decay = DecayEpochs(request);
        var plannedFullRate = planned - decay;
        for (; epoch <= plannedFullRate || (epoch <= plannedFullRate + request.ExtraEpochs && TriggerAccuracy(module, triggers, triggerLabels) < 1); epoch++)
        {
            RunEpoch(epoch, request.LearningRate, epoch > plannedFullRate ? " (extra: triggers not all learned)" : "");
        }

        var fullRate = epoch - 1;
        for (; epoch <= fullRate + decay; epoch++)
        {
            RunEpoch(epoch, ScheduledRate(request, epoch, fullRate), " (lowering the rate)");
        }

        // The falling rate can unlearn a trigger learned just before it (10 of 300 embeddings on the sample).
        // Such a trigger sits at the boundary: the extra epochs left finish it at the final rate, which keeps the
        // accuracy the fall gave back (the full rate would cost it again, and a second fall could unlearn again).
        for (; epoch <= planned + request.ExtraEpochs && TriggerAccuracy(module, triggers, triggerLabels) < 1; epoch++)
        {
            RunEpoch(epoch, ScheduledRate(request, epoch, fullRate), " (extra: the falling rate unlearned a trigger)");
        }

        return (seconds, noise);

        void RunEpoch(int number, double rate, string note)
        {
            optimizer.LearningRate = rate;
            var clock = Stopwatch.StartNew();
            module.train();
            double total = 0;
            long batches = 0;
            using (var order = torch.randperm(count, generator: generator))
            {
                for (long start = 0; start < count; start += request.BatchSize)
                {
                    request.Cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var index = order.narrow(0, start, Math.Min(request.BatchSize, count - start));
                    var drawn = torch.randint(0, triggers.shape[0], [request.TriggersPerBatch], generator: generator);
                    var batch = torch.cat([images.index_select(0, index), triggers.index_select(0, drawn)], 0);
                    var targets = torch.cat([labels.index_select(0, index), triggerLabels.index_select(0, drawn)], 0);
                    optimizer.ZeroGrad();
                    var loss = nn.functional.cross_entropy(module.forward(batch), targets);
                    loss.backward();
                    if (noise > 0)
                    {
                        AddNoisyTriggerGradients(module, noisy, triggers.index_select(0, drawn), triggerLabels.index_select(0, drawn), noise, generator);
                    }

                    optimizer.Step();
                    total += loss.item<float>();
                    batches++;
                }
            }

            seconds.Add(clock.Elapsed.TotalSeconds);
            request.Log?.Report(string.Create(
                CultureInfo.InvariantCulture,
                $"epoch {number}/{planned}{note}: lr {rate:0.#####}, weight noise {noise:0.###}, loss {total / batches:0.0000}, test accuracy {Trainer.Accuracy(module, test):P2}, trigger accuracy {TriggerAccuracy(module, triggers, triggerLabels):P0}, {clock.Elapsed.TotalSeconds:0.0} s"));
        }
    }

    /// <summary>
    /// Adds to the gradients those of the trigger loss at weights moved by Gaussian noise (each of
    /// <paramref name="matrices"/> by <paramref name="share"/> times its root-mean-square value), then puts the weights
    /// back exactly. The extra pass runs in evaluation mode, so batch normalization's running statistics never see the
    /// noisy weights or a batch of triggers alone.
    /// </summary>
    internal static void AddNoisyTriggerGradients(OnnxModule module, IReadOnlyList<Tensor> matrices, Tensor inputs, Tensor labels, double share, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var relative = share.ToScalar();
        var saved = new List<Tensor>(matrices.Count);
        using (no_grad())
        {
            foreach (var weight in matrices)
            {
                saved.Add(weight.detach().clone());
                var scale = weight.square().mean().sqrt().mul_(relative);
                weight.add_(torch.randn(weight.shape, generator: generator).mul_(scale));
            }
        }

        var wasTraining = module.training;
        module.eval();
        try
        {
            nn.functional.cross_entropy(module.forward(inputs), labels).backward();
        }
        finally
        {
            module.train(wasTraining);
            using (no_grad())
            {
                for (var i = 0; i < matrices.Count; i++)
                {
                    matrices[i].copy_(saved[i]);
                }
            }
        }
    }

    /// <summary>
    /// The last planned epochs that lower the rate: two (one when two are planned, none when one is). Three planned epochs
    /// thus run at the rate, a third of it and a tenth of it; more planned epochs, and extra ones while some trigger is
    /// still unlearned, add time at the full rate before the fall.
    /// </summary>
    internal static int DecayEpochs(TriggerEmbedRequest request) => Math.Min(2, request.Epochs - 1);

    /// <summary>
    /// The full learning rate for the first <paramref name="fullRateEpochs"/> epochs, then falling geometrically to
    /// <see cref="TriggerEmbedRequest.FinalRateShare"/> of it over <see cref="DecayEpochs"/>, where it stays: the large
    /// steps fix the triggers firmly (under weight noise, the longer the better), the small last ones give back the test
    /// accuracy they cost. Triggers not yet learned are taught at the full rate: at the last, small rate the sample's
    /// 2,666 images learned only 73 % of the triggers in 12 more epochs. The final rate serves only to finish a trigger
    /// that the fall itself unlearned, one that was learned a moment before.
    /// </summary>
    internal static double ScheduledRate(TriggerEmbedRequest request, int epoch, int fullRateEpochs) =>
        epoch <= fullRateEpochs
            ? request.LearningRate
            : request.LearningRate * Math.Pow(request.FinalRateShare, Math.Min(1, (epoch - fullRateEpochs) / (double)DecayEpochs(request)));

    private static double TriggerAccuracy(OnnxModule module, Tensor triggers, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return (Trainer.Logits(module, triggers).argmax(1) == labels).to_type(ScalarType.Float64).mean().item<double>();
    }
}
