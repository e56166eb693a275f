using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Errors;
using ModelShield.Protection.Watermarks;
using ModelShield.Watermarking.Statistics;
using ModelShield.Watermarking.Triggers;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Cli.Commands;

/// <summary>
/// <c>modelshield watermark embed|detect</c>: one command per verb, dispatching on <c>--scheme</c>. The weights
/// scheme is here; the triggers scheme (black box) is in WatermarkCommands.Triggers.cs.
/// </summary>
internal sealed partial class WatermarkCommands(CliOutput cli)
{
    private static readonly string[] KnownSchemes = [WeightWatermark.SchemeId, TriggerWatermark.SchemeId];

    [Command("embed", Description =
        "Embed a watermark into a copy of a model and record in the kit what detection needs.\n" +
        "Scheme 'weights': a blind 256-bit mark in the weights, in closed form (no training).\n" +
        "Scheme 'triggers': a secret trigger set the model is fine-tuned to answer (needs --data; detectable from answers alone).\n" +
        "Example: modelshield watermark embed models/cnn/model.onnx --kit owner.mskit --payload 'ACME CNN v1' -o release/model.onnx\n" +
        "Example: modelshield watermark embed models/cnn/model.onnx --scheme triggers --kit owner.mskit --data /usr/share/datasets/fashion-mnist -o release/model.onnx")]
    public int Embed(
        [Argument(Description = "The model to mark (.onnx); it is never changed")] string model,
        [Option(Description = "The owner kit (.mskit); the new entry is added to it")] string kit,
        KitOptions kitOptions,
        [Option('o', Description = "Where to write the marked model (.onnx)")] string output,
        [Option(Description = "Watermark scheme: weights or triggers")] string scheme = WeightWatermark.SchemeId,
        [Option(Description = "weights: text the payload bits are derived from (keyed hash)")] string? payload = null,
        [Option(Description = "weights: the payload bits as hexadecimal (exactly --bits / 4 digits)")] string? payloadHex = null,
        [Option(Description = "weights: payload length in bits")] int bits = WeightEmbedOptions.DefaultBits,
        [Option(Description = "weights: margin each bit's projection is pushed to (larger: more robust, less faithful)")] double margin = WeightEmbedOptions.DefaultMargin,
        [Option(Description = "Data folder (Fashion-MNIST layout). weights: report test accuracy and top-1 agreement before and after; triggers (required): the owner split is fine-tuned on")] string? data = null,
        [Option("repair-epochs", Description = "weights: fine-tune this many epochs on --data's owner split with a penalty that keeps the mark, to win back accuracy (Uchida-style)")] int repairEpochs = 0,
        [Option("repair-lr", Description = "weights: repair's learning rate")] double repairLr = 1e-4,
        [Option(Description = "triggers: number of triggers (default 100)")] int? triggers = null,
        [Option("trigger-kind", Description = "triggers: patterns or noise (default patterns)")] string? triggerKind = null,
        [Option(Description = "triggers: fine-tuning epochs over the owner split, the last two at a falling rate (default 7; up to 10 more only while a trigger is still answered wrongly, at the full rate before the fall and, should the fall unlearn one, at the final rate after it; given: up to as many more)")] int? epochs = null,
        [Option("lr", Description = "triggers: fine-tuning learning rate (default 0.001)")] double? learningRate = null,
        [Option("weight-noise", Description = "triggers: also train the triggers under noise of this many times each fully connected weight matrix's RMS, so that they survive a thief's fine-tuning (default 1; 0: off; docs/watermark-triggers.md has the figures)")] double? weightNoise = null,
        [Option(Description = "Replace an existing output")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        RequireScheme(scheme);
        var access = kitOptions.Access(kit);
        if (scheme == TriggerWatermark.SchemeId)
        {
            RejectOptions(scheme, ("--payload", payload is not null), ("--payload-hex", payloadHex is not null), ("--repair-epochs", repairEpochs != 0));
            if (data is null)
            {
                throw new ModelShieldException(ErrorCodes.BadUsage, "The triggers scheme fine-tunes the model: give --data DIR.");
            }

            return EmbedTriggers(kit, new TriggerMarkRequest
            {
                ModelPath = model,
                Kit = access,
                OutputPath = output,
                DataFolder = data,
                Triggers = triggers ?? 100,
                Kind = triggerKind ?? TriggerMarkRequest.DefaultKind,
                Epochs = epochs,
                LearningRate = learningRate,
                WeightNoise = weightNoise,
                Force = force,
                Log = new LineProgress(cli.Progress),
            });
        }

        RejectOptions(scheme, ("--triggers", triggers is not null), ("--trigger-kind", triggerKind is not null), ("--epochs", epochs is not null), ("--lr", learningRate is not null), ("--weight-noise", weightNoise is not null));
        var result = WeightMarking.Embed(new WeightMarkRequest
        {
            ModelPath = model,
            Kit = access,
            OutputPath = output,
            PayloadText = payload,
            PayloadHex = payloadHex,
            Bits = bits,
            Margin = margin,
            DataFolder = data,
            RepairEpochs = repairEpochs,
            RepairLearningRate = repairLr,
            Log = new LineProgress(cli.Progress),
            Force = force,
        });
        cli.Result(result, w => RenderEmbed(w, result, kit));
        return CliApp.ExitOk;
    }

    /// <summary>The weights scheme's embedding, for people (also used by protect).</summary>
    internal static void RenderEmbed(TextWriter w, WeightMarkResult result, string kit)
    {
        var report = result.Report;
        var fidelity = result.Fidelity;
        w.WriteLine($"Marked       {result.Output}");
        w.WriteLine($"Scheme       {result.Scheme}: {report.Bits} bits in {report.CarrierElements.ToString("N0", CultureInfo.InvariantCulture)} weights, margin {report.Margin}");
        w.WriteLine($"Kit entry    {result.EntryId} (added to {kit})");
        w.WriteLine($"SHA-256      {result.OutputSha256}");
        if (fidelity is not null)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Fidelity     test accuracy {fidelity.AccuracyBefore:P2} -> {fidelity.AccuracyAfter:P2} ({fidelity.AccuracyChangePoints:+0.00;-0.00} points), top-1 agreement {fidelity.Top1Agreement:P2} on {fidelity.TestImages:N0} test images"));
        }

        if (result.Repair is { Training: var r } repair)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Repair       {r.Epochs} epochs at lr {r.LearningRate}: test accuracy {r.AccuracyBefore:P2} -> {r.AccuracyAfter:P2}; bits at the margin {repair.Before.AtMargin} -> {repair.AfterTraining.AtMargin} of {repair.AfterTraining.Bits} ({repair.BitsPushedBack} pushed back after)"));
        }

        if (report.CappedBits > 0)
        {
            w.WriteLine($"Warning      {report.CappedBits} bits could not reach the margin (model too small for {report.Bits} bits)");
        }

        w.WriteLine("Changes (in units of each tensor's standard deviation)");
        TextTable.Write(w, ["tensor", "weights", "mean", "max"], report.Tensors.Select(t => (IReadOnlyList<string>)
            [t.Name, t.Elements.ToString("N0", CultureInfo.InvariantCulture), t.MeanRelativeChange.ToString("0.000", CultureInfo.InvariantCulture), t.MaxRelativeChange.ToString("0.000", CultureInfo.InvariantCulture)]));
    }

    [Command("detect", Description =
        "Test a suspect model for the kit's watermarks: exit 0 when detected, 1 when not.\n" +
        "Scheme 'weights' (white box, needs the file): matched bits, bit error rate, the exact binomial p-value (Bonferroni-corrected) and the verdict at alpha.\n" +
        "Scheme 'triggers' (black box: a file, or an Open Inference Protocol v2 endpoint): trigger accuracy, chance rate, p-value of a curtailed exact binomial test, queries spent.\n" +
        "Example: modelshield watermark detect suspect.onnx --kit owner.mskit --json\n" +
        "Example: modelshield watermark detect --endpoint http://10.0.0.5:8080/v2/models/clf --scheme triggers --kit owner.mskit --header Authorization=SUSPECT_TOKEN --max-queries 100")]
    public async Task<int> Detect(
        [Option(Description = "The owner kit (.mskit)")] string kit,
        KitOptions kitOptions,
        [Argument(Description = "The suspect model (.onnx); omit when --endpoint is given")] string? suspect = null,
        [Option(Description = "Watermark scheme: weights or triggers")] string scheme = WeightWatermark.SchemeId,
        [Option(Description = "Test only this kit entry (default: every entry of the scheme, corrected for it)")] string? entry = null,
        [Option(Description = "weights: the owner's model (before or after marking): align the suspect's neurons to it first (undoes permutation, rescaling, dummy neurons)")] string? original = null,
        [Option(Description = "Family-wise significance level")] double alpha = HypothesisTest.DefaultAlpha,
        [Option(Description = "triggers: the suspect's Open Inference Protocol v2 model URL, http://HOST:PORT/v2/models/NAME")] string? endpoint = null,
        [Option("null-models", Description = "triggers: folder of independent models (*.onnx) to measure the chance rate on (default: analytic 1/classes)")] string? nullModels = null,
        [Option("max-queries", Description = "triggers: the most inputs ever sent to the suspect")] long? maxQueries = null,
        [Option(Description = "triggers: seconds one request to --endpoint may take (default 30)")] double? timeout = null,
        [Option(Description = "triggers: NAME=ENVVAR, a header sent to --endpoint with the value of that variable (repeatable)")] string[]? header = null,
        [Option("all-triggers", Description = "triggers: send every trigger even once the verdict is settled, to measure trigger accuracy on all of them")] bool allTriggers = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        RequireScheme(scheme);
        if (alpha is <= 0 or >= 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--alpha must lie in (0, 1).");
        }

        if (scheme == TriggerWatermark.SchemeId)
        {
            RejectOptions(scheme, ("--original", original is not null));
            return await DetectTriggersAsync(suspect, kit, kitOptions, entry, alpha, new SuspectOptions(endpoint, nullModels, maxQueries, timeout, header ?? [], allTriggers)).ConfigureAwait(false);
        }

        RejectOptions(scheme, ("--endpoint", endpoint is not null), ("--null-models", nullModels is not null), ("--max-queries", maxQueries is not null), ("--timeout", timeout is not null), ("--header", header is { Length: > 0 }), ("--all-triggers", allTriggers));
        if (suspect is null)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Give the suspect model file (the weights scheme reads the weights).");
        }

        var report = WeightMarking.Detect(suspect, kitOptions.Access(kit), original, entry, alpha);
        cli.Result(report, w => RenderDetect(w, report));
        return report.Detected ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    /// <summary>The weights scheme's detection, for people (also used by investigate).</summary>
    internal static void RenderDetect(TextWriter w, WeightDetectReport report)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"Suspect      {report.Suspect}");
        w.WriteLine($"Verdict      {report.Verdict} (alpha {report.Alpha.ToString("G3", ci)}, {report.WatermarksTried} watermark(s) tried)");
        TextTable.Write(w, ["entry", "matched", "bit errors", "p-value", "corrected", "needed"], report.Tests.Select(t => (IReadOnlyList<string>)
            [t.EntryId[..8], $"{t.Matched}/{t.Bits}", t.BitErrorRate.ToString("0.000", ci), t.PValue, t.CorrectedPValue, $"{t.CriticalMatched}/{t.Bits}"]));
        w.WriteLine($"Test         {report.Tests[0].Test}; chance rate {report.Tests[0].ChanceRate.ToString(ci)} ({report.Tests[0].ChanceRateSource})");
        foreach (var t in report.Tests.Where(t => t.Alignment is not null).Take(1))
        {
            w.WriteLine($"Alignment    to {report.Original} ({(t.FromAlignedModel ? "bits read after alignment" : "the blind reading matched more bits")})");
            TextTable.Write(w, ["layer", "neurons", "in place", "unmatched", "mean cos", "min cos", "scales"], t.Alignment!.Select(a => (IReadOnlyList<string>)
                [a.Layer, $"{a.SuspectNeurons} -> {a.OriginalNeurons}", a.InPlace.ToString(ci), a.Unmatched.ToString(ci),
                 a.MeanSimilarity.ToString("0.000", ci), a.MinSimilarity.ToString("0.000", ci),
                 string.Create(ci, $"{a.MinScale:0.###}..{a.MaxScale:0.###}")]));
        }

        foreach (var t in report.Tests.Where(t => t.MissingTensors.Count > 0 || t.RenamedTensors))
        {
            w.WriteLine($"Note         {t.EntryId[..8]}: {(t.RenamedTensors ? "tensors matched by size (renamed); " : "")}{t.MissingTensors.Count} marked tensors missing");
        }
    }

    /// <summary>Options of one scheme given to another are refused rather than silently ignored.</summary>
    private static void RejectOptions(string scheme, params (string Name, bool Given)[] options)
    {
        var given = options.Where(o => o.Given).Select(o => o.Name).ToList();
        if (given.Count > 0)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, $"{string.Join(", ", given)} do(es) not apply to the '{scheme}' scheme.");
        }
    }

    private static void RequireScheme(string scheme)
    {
        if (!KnownSchemes.Contains(scheme, StringComparer.Ordinal))
        {
            throw new ModelShieldException(ErrorCodes.UnknownScheme, $"Unknown watermark scheme '{scheme}'; known: {string.Join(", ", KnownSchemes)}.");
        }
    }
}
