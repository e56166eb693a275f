using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Protection.Kits;
using ModelShield.Training;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Protection.Watermarks;

/// <summary>What <see cref="WeightMarking.Embed"/> does: mark a copy of a model and add the entry to the kit.</summary>
public sealed record WeightMarkRequest
{
    /// <summary>The model to mark; never changed.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The kit the entry is added to.</summary>
    public required KitAccess Kit { get; init; }

    /// <summary>Where the marked model goes.</summary>
    public required string OutputPath { get; init; }

    /// <summary>Text the payload bits are derived from by a keyed hash; exactly one of this and <see cref="PayloadHex"/>.</summary>
    public string? PayloadText { get; init; }

    /// <summary>The payload bits as hexadecimal.</summary>
    public string? PayloadHex { get; init; }

    /// <summary>Payload length in bits (a multiple of 4, 8 to 4096).</summary>
    public int Bits { get; init; } = WeightEmbedOptions.DefaultBits;

    /// <summary>The margin each bit's projection is pushed to.</summary>
    public double Margin { get; init; } = WeightEmbedOptions.DefaultMargin;

    /// <summary>A data folder to measure test accuracy and top-1 agreement before and after on; null to skip.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Repair fine-tuning epochs on the data's owner split with a penalty that keeps the mark (0: none; needs <see cref="DataFolder"/>).</summary>
    public int RepairEpochs { get; init; }

    /// <summary>Repair's learning rate.</summary>
    public double RepairLearningRate { get; init; } = 1e-4;

    /// <summary>Receives progress lines.</summary>
    public IProgress<string>? Log { get; init; }

    /// <summary>Replace an existing output.</summary>
    public bool Force { get; init; }
}

/// <summary>The marked model: where it went, its hash, the kit entry, what changed, and fidelity when data was given.</summary>
/// <param name="Scheme">"weights".</param>
/// <param name="EntryId">The kit entry added.</param>
/// <param name="Output">The marked model's full path.</param>
/// <param name="OutputSha256">SHA-256 of the marked model file.</param>
/// <param name="Report">Bits, carriers and per-tensor changes.</param>
/// <param name="Fidelity">Test accuracy before and after, and top-1 agreement; null without data.</param>
/// <param name="Repair">What repair fine-tuning did; null when not asked for.</param>
public sealed record WeightMarkResult(string Scheme, string EntryId, string Output, string OutputSha256, WeightEmbedReport Report, FidelityReport? Fidelity, WeightRepairResult? Repair);

/// <summary>
/// Repair: the fine-tuning, then the closed-form push that brings back to the margin any bit it left below. The bits
/// are counted by the watermark layer on the written weights, with the push's own decision of what is below the margin.
/// </summary>
/// <param name="Training">Epochs and test accuracy before and after fine-tuning.</param>
/// <param name="Before">The bits at the margin and read right before fine-tuning.</param>
/// <param name="AfterTraining">The same after fine-tuning, before the push.</param>
/// <param name="BitsPushedBack">Bits below the margin after fine-tuning, pushed back in closed form (all bits are at the margin after).</param>
public sealed record WeightRepairResult(LabRepairResult Training, WeightMarkMargins Before, WeightMarkMargins AfterTraining, int BitsPushedBack);

/// <summary>One weight watermark's test on a suspect, as reported.</summary>
/// <param name="EntryId">The kit entry tested.</param>
/// <param name="Bits">Payload bits (trials).</param>
/// <param name="Matched">Bits read as embedded (successes).</param>
/// <param name="BitErrorRate">The fraction of bits read wrong.</param>
/// <param name="Test">The test's name.</param>
/// <param name="ChanceRate">The chance a bit matches under "independent model".</param>
/// <param name="ChanceRateSource">Where that rate comes from.</param>
/// <param name="PValue">The uncorrected p-value, for people.</param>
/// <param name="Log10PValue">Its base-10 logarithm.</param>
/// <param name="CorrectedPValue">The Bonferroni-corrected p-value, for people.</param>
/// <param name="Log10CorrectedPValue">Its base-10 logarithm.</param>
/// <param name="Comparisons">The Bonferroni factor.</param>
/// <param name="Alpha">The family-wise level.</param>
/// <param name="CriticalMatched">Matched bits needed to reject at that level.</param>
/// <param name="Detected">The verdict.</param>
/// <param name="MissingTensors">Marked tensors not found in the suspect.</param>
/// <param name="RenamedTensors">True when tensors were matched by size.</param>
/// <param name="FromAlignedModel">True when the bits were read after aligning to the original.</param>
/// <param name="Alignment">The neuron alignment found, when an original was given.</param>
public sealed record WeightTestResult(
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
    double Log10CorrectedPValue,
    int Comparisons,
    double Alpha,
    int CriticalMatched,
    bool Detected,
    IReadOnlyList<string> MissingTensors,
    bool RenamedTensors,
    bool FromAlignedModel,
    IReadOnlyList<LayerAlignment>? Alignment);

/// <summary>Every weight watermark of the kit tested on one suspect file.</summary>
/// <param name="Scheme">"weights".</param>
/// <param name="Suspect">The suspect's full path.</param>
/// <param name="Verdict">"detected" or "not detected".</param>
/// <param name="Alpha">The family-wise level, divided among the watermarks tried.</param>
/// <param name="WatermarksTried">The Bonferroni factor.</param>
/// <param name="Original">The original the suspect was aligned to, when given.</param>
/// <param name="Tests">Each watermark's test.</param>
public sealed record WeightDetectReport(string Scheme, string Suspect, string Verdict, double Alpha, int WatermarksTried, string? Original, IReadOnlyList<WeightTestResult> Tests)
{
    /// <summary>True when any watermark is detected.</summary>
    public bool Detected => Tests.Any(t => t.Detected);
}

/// <summary>The weight watermark on files and kits: embed into a copy, detect in a suspect (white box).</summary>
public static class WeightMarking
{
    /// <summary>
    /// Marks a copy of the model in closed form and records the entry in the kit before the model is written.
    /// Cancelling stops repair fine-tuning before the kit or the output is touched.
    /// </summary>
    public static WeightMarkResult Embed(WeightMarkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if ((request.PayloadText is null) == (request.PayloadHex is null))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Give exactly one payload: text or hexadecimal.");
        }

        if (request.Bits is < 8 or > 4096 || request.Bits % 4 != 0)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "The payload length in bits must be a multiple of 4 between 8 and 4096.");
        }

        if (request.Margin is <= 0 or > 10)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "The margin must lie in (0, 10].");
        }

        if (request.RepairEpochs is < 0 or > 1000 || (request.RepairEpochs > 0 && request.DataFolder is null))
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "Repair takes from 0 to 1000 epochs and needs a data folder to train on.");
        }

        RequireNewOutput(request.OutputPath, request.Force);
        var kit = request.Kit.Read();
        var marked = OnnxModel.Load(request.ModelPath);
        var payload = request.PayloadText is not null
            ? WatermarkPayload.FromText(request.PayloadText, kit.DeriveKey("weights/v1/payload"), request.Bits)
            : WatermarkPayload.FromHex(request.PayloadHex!, request.Bits);
        var (report, entry) = WeightWatermark.Embed(marked, kit, payload, request.Margin);
        var repair = request.RepairEpochs == 0 ? null : Repair(marked, kit, entry, request, cancellationToken);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(marked.ToBytes()));
        entry = entry with { ModelSha256 = sha256 };

        // The kit learns of the mark before the model is written: a kit entry without a model is harmless,
        // a marked model without its kit entry could never be detected.
        request.Kit.Add(entry);
        marked.Save(request.OutputPath, request.Force);
        var fidelity = request.DataFolder is null ? null : LabFidelity.Measure(request.ModelPath, request.OutputPath, request.DataFolder);
        return new WeightMarkResult(WeightWatermark.SchemeId, entry.Id, Path.GetFullPath(request.OutputPath), sha256, report, fidelity, repair);
    }

    /// <summary>
    /// Reads every weight watermark of the kit (or the one whose id starts with <paramref name="entryPrefix"/>) from the
    /// suspect, dividing alpha among them; with an original, aligns the suspect's neurons to it first.
    /// </summary>
    public static WeightDetectReport Detect(string suspectPath, KitAccess kit, string? original = null, string? entryPrefix = null, double alpha = HypothesisTest.DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(kit);
        RequireAlpha(alpha);
        var ownerKit = kit.Read();
        var entries = KitAccess.Entries(ownerKit, WeightWatermark.SchemeId, entryPrefix);
        var model = OnnxModel.Load(suspectPath);
        var originalModel = original is null ? null : OnnxModel.Load(original);

        // Every entry tried is one more comparison: divide alpha among them.
        var tests = entries.Select(e => Describe(WeightWatermark.Detect(model, ownerKit, e, alpha / entries.Count, originalModel))).ToList();
        return new WeightDetectReport(
            WeightWatermark.SchemeId,
            Path.GetFullPath(suspectPath),
            tests.Any(t => t.Detected) ? "detected" : "not detected",
            alpha,
            entries.Count,
            original is null ? null : Path.GetFullPath(original),
            tests);
    }

    /// <summary>Fine-tunes the marked model to win back accuracy while a hinge penalty keeps every bit at the margin.</summary>
    private static WeightRepairResult Repair(OnnxModel marked, OwnerKit kit, KitEntry entry, WeightMarkRequest request, CancellationToken cancellationToken)
    {
        var before = WeightWatermark.Margins(marked, kit, entry);
        var layout = WeightWatermark.Layout(kit, entry);
        var constraint = new MarginConstraint(
            layout.Carriers.Select(c => new MarginConstraintTensor(c.Tensor, c.Bits, c.Coefficients)).ToList(),
            layout.Signs,
            layout.Scales,
            layout.Margin);
        var training = LabRepair.Repair(marked, constraint, new LabRepairRequest
        {
            DataFolder = request.DataFolder,
            Epochs = request.RepairEpochs,
            LearningRate = request.RepairLearningRate,
            Log = request.Log,
            Cancellation = cancellationToken,
        });

        // The penalty acts only once a bit falls below the margin, so the last steps can leave a few just under it.
        var afterTraining = WeightWatermark.Margins(marked, kit, entry);
        var (pushed, _) = WeightWatermark.Reinforce(marked, kit, entry);
        return new WeightRepairResult(training, before, afterTraining, pushed);
    }

    internal static void RequireAlpha(double alpha)
    {
        if (alpha is <= 0 or >= 1)
        {
            throw new ModelShieldException(ErrorCodes.BadUsage, "alpha must lie in (0, 1).");
        }
    }

    internal static void RequireNewOutput(string output, bool force)
    {
        if (!force && (File.Exists(output) || Directory.Exists(output)))
        {
            throw new ModelShieldException(ErrorCodes.OutputExists, $"Output '{output}' exists; use --force to replace it.");
        }
    }

    private static WeightTestResult Describe(WeightDetection d) => new(
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
        d.Test.Log10CorrectedPValue,
        d.Test.Comparisons,
        d.Test.Alpha,
        d.Test.CriticalSuccesses,
        d.Detected,
        d.MissingTensors,
        d.RenamedTensors,
        d.FromAlignedModel,
        d.Alignment);
}
