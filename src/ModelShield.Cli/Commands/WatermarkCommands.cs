using System.Globalization;
using System.Security.Cryptography;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield watermark embed|detect</c>.</summary>
internal sealed class WatermarkCommands(CliOutput cli)
{
    private static readonly string[] KnownSchemes = [WeightWatermark.SchemeId];

    [Command("embed", Description =
        "Embed a watermark into a copy of a model and record in the kit what detection needs.\n" +
        "Scheme 'weights': a blind 256-bit mark in the weights, in closed form (no training).\n" +
        "Example: modelshield watermark embed models/cnn/model.onnx --kit owner.mskit --payload 'ACME CNN v1' -o release/model.onnx")]
    public int Embed(
        [Argument(Description = "The model to mark (.onnx); it is never changed")] string model,
        [Option(Description = "The owner kit (.mskit); the new entry is added to it")] string kit,
        KitOptions kitOptions,
        [Option('o', Description = "Where to write the marked model (.onnx)")] string output,
        [Option(Description = "Watermark scheme: weights")] string scheme = WeightWatermark.SchemeId,
        [Option(Description = "Text the payload bits are derived from (keyed hash)")] string? payload = null,
        [Option(Description = "The payload bits as hexadecimal (exactly --bits / 4 digits)")] string? payloadHex = null,
        [Option(Description = "Payload length in bits")] int bits = WeightEmbedOptions.DefaultBits,
        [Option(Description = "Margin each bit's projection is pushed to (larger: more robust, less faithful)")] double margin = WeightEmbedOptions.DefaultMargin,
        [Option(Description = "Data folder (Fashion-MNIST layout): report test accuracy and top-1 agreement before and after")] string? data = null,
        [Option(Description = "Replace an existing output")] bool force = false,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        RequireScheme(scheme);
        if ((payload is null) == (payloadHex is null))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Give exactly one of --payload TEXT or --payload-hex HEX.");
        }

        if (bits is < 8 or > 4096 || bits % 4 != 0)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--bits must be a multiple of 4 between 8 and 4096.");
        }

        if (margin is <= 0 or > 10)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--margin must lie in (0, 10].");
        }

        if (!force && File.Exists(output))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"Output '{output}' exists; use --force to replace it.");
        }

        var secret = kitOptions.Secret();
        var ownerKit = KitFile.Read(kit, secret);
        var marked = OnnxModel.Load(model);
        var payloadBits = payload is not null
            ? WatermarkPayload.FromText(payload, ownerKit.DeriveKey("weights/v1/payload"), bits)
            : WatermarkPayload.FromHex(payloadHex!, bits);
        var (report, entry) = WeightWatermark.Embed(marked, ownerKit, payloadBits, margin);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(marked.ToBytes()));
        entry = entry with { ModelSha256 = sha256 };

        // The kit learns of the mark before the model is written: a kit entry without a model is harmless,
        // a marked model without its kit entry could never be detected.
        KitFile.Update(kit, secret, k => k.Add(entry));
        marked.Save(output, force);
        var fidelity = data is null ? null : LabFidelity.Measure(model, output, data);

        var document = new EmbedDocument(scheme, entry.Id, Path.GetFullPath(output), sha256, report, fidelity);
        cli.Result(document, w =>
        {
            w.WriteLine($"Marked       {document.Output}");
            w.WriteLine($"Scheme       {scheme}: {report.Bits} bits in {report.CarrierElements.ToString("N0", CultureInfo.InvariantCulture)} weights, margin {report.Margin}");
            w.WriteLine($"Kit entry    {entry.Id} (added to {kit})");
            w.WriteLine($"SHA-256      {sha256}");
            if (fidelity is not null)
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Fidelity     test accuracy {fidelity.AccuracyBefore:P2} -> {fidelity.AccuracyAfter:P2} ({fidelity.AccuracyChangePoints:+0.00;-0.00} points), top-1 agreement {fidelity.Top1Agreement:P2} on {fidelity.TestImages:N0} test images"));
            }

            if (report.CappedBits > 0)
            {
                w.WriteLine($"Warning      {report.CappedBits} bits could not reach the margin (model too small for {report.Bits} bits)");
            }

            w.WriteLine("Changes (in units of each tensor's standard deviation)");
            TextTable.Write(w, ["tensor", "weights", "mean", "max"], report.Tensors.Select(t => (IReadOnlyList<string>)
                [t.Name, t.Elements.ToString("N0", CultureInfo.InvariantCulture), t.MeanRelativeChange.ToString("0.000", CultureInfo.InvariantCulture), t.MaxRelativeChange.ToString("0.000", CultureInfo.InvariantCulture)]));
        });
        return CliApp.ExitOk;
    }

    [Command("detect", Description =
        "Test a suspect model for the kit's watermarks: exit 0 when detected, 1 when not.\n" +
        "Reports matched bits, bit error rate, the exact binomial p-value (Bonferroni-corrected) and the verdict at alpha.\n" +
        "Example: modelshield watermark detect suspect.onnx --kit owner.mskit --json")]
    public int Detect(
        [Argument(Description = "The suspect model (.onnx)")] string suspect,
        [Option(Description = "The owner kit (.mskit)")] string kit,
        KitOptions kitOptions,
        [Option(Description = "Watermark scheme: weights")] string scheme = WeightWatermark.SchemeId,
        [Option(Description = "Test only this kit entry (default: every entry of the scheme, corrected for it)")] string? entry = null,
        [Option(Description = "Family-wise significance level")] double alpha = HypothesisTest.DefaultAlpha,
        [Option(Description = "Print one JSON document")] bool json = false)
    {
        _ = json;
        RequireScheme(scheme);
        if (alpha is <= 0 or >= 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "--alpha must lie in (0, 1).");
        }

        var ownerKit = KitFile.Read(kit, kitOptions.Secret());
        var entries = ownerKit.Entries.Where(e => e.Scheme == scheme && (entry is null || e.Id.StartsWith(entry, StringComparison.Ordinal))).ToList();
        if (entries.Count == 0)
        {
            throw new ModelShieldException(ErrorCodes.KitEntryMissing, $"The kit holds no '{scheme}' watermark{(entry is null ? "" : $" with id {entry}")}.");
        }

        var model = OnnxModel.Load(suspect);

        // Every entry tried is one more comparison: divide alpha among them.
        var detections = entries.Select(e => WeightWatermark.Detect(model, ownerKit, e, alpha / entries.Count)).ToList();
        var detected = detections.Any(d => d.Detected);
        var document = new DetectDocument(scheme, Path.GetFullPath(suspect), detected ? "detected" : "not detected", alpha, entries.Count, detections.Select(Describe).ToList());
        cli.Result(document, w =>
        {
            w.WriteLine($"Suspect      {document.Suspect}");
            w.WriteLine($"Verdict      {document.Verdict} (alpha {alpha.ToString("G3", CultureInfo.InvariantCulture)}, {entries.Count} watermark(s) tried)");
            TextTable.Write(w, ["entry", "matched", "bit errors", "p-value", "corrected", "needed"], document.Tests.Select(t => (IReadOnlyList<string>)
                [t.EntryId[..8], $"{t.Matched}/{t.Bits}", t.BitErrorRate.ToString("0.000", CultureInfo.InvariantCulture), t.PValue, t.CorrectedPValue, $"{t.CriticalMatched}/{t.Bits}"]));
            w.WriteLine($"Test         {detections[0].Test.Test}; chance rate {detections[0].Test.ChanceRate} ({detections[0].Test.ChanceRateSource})");
            foreach (var d in detections.Where(d => d.MissingTensors.Count > 0 || d.RenamedTensors))
            {
                w.WriteLine($"Note         {d.EntryId[..8]}: {(d.RenamedTensors ? "tensors matched by size (renamed); " : "")}{d.MissingTensors.Count} marked tensors missing");
            }
        });
        return detected ? CliApp.ExitOk : CliApp.ExitVerdictAgainst;
    }

    private static void RequireScheme(string scheme)
    {
        if (!KnownSchemes.Contains(scheme, StringComparer.Ordinal))
        {
            throw new ModelShieldException(ErrorCodes.UnknownScheme, $"Unknown watermark scheme '{scheme}'; known: {string.Join(", ", KnownSchemes)}.");
        }
    }

    private static DetectionDescription Describe(WeightDetection d) => new(
        d.EntryId,
        d.Test.Trials,
        d.Test.Successes,
        d.BitErrorRate,
        d.Test.Test,
        d.Test.ChanceRate,
        d.Test.ChanceRateSource,
        HypothesisTest.FormatPValue(d.Test.Log10PValue),
        d.Test.Log10PValue,
        HypothesisTest.FormatPValue(d.Test.Log10CorrectedPValue),
        d.Test.Comparisons,
        d.Test.Alpha,
        d.Test.CriticalSuccesses,
        d.Detected,
        d.MissingTensors,
        d.RenamedTensors);

    private sealed record EmbedDocument(string Scheme, string EntryId, string Output, string OutputSha256, WeightEmbedReport Report, FidelityReport? Fidelity);

    private sealed record DetectDocument(string Scheme, string Suspect, string Verdict, double Alpha, int WatermarksTried, IReadOnlyList<DetectionDescription> Tests);

    private sealed record DetectionDescription(
        string EntryId,
        int Bits,
        int Matched,
        double BitErrorRate,
        string Test,
        double ChanceRate,
        string ChanceRateSource,
        string PValue,
        double Log10PValue,
        string CorrectedPValue,
        int Comparisons,
        double Alpha,
        int CriticalMatched,
        bool Detected,
        IReadOnlyList<string> MissingTensors,
        bool RenamedTensors);
}
