using System.Globalization;
using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Statistics;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Watermarking.Weights;

/// <summary>
/// The <c>weights</c> scheme: a blind, keyed spread-spectrum mark in the weights, embedded in closed form.
/// Every element of the carrier tensors (float weight matrices and kernels, rank 2 or more) is assigned by a
/// keyed stream to one payload bit j and a chip c = ±1. Bit j is read as the sign of the projection
/// s_j = Σ c·w/σ over its elements (σ: the tensor's standard deviation at embedding), normalized by √n_j.
/// Embedding moves each projection to at least the margin on the payload's side with the smallest change
/// proportional to each weight's magnitude (w ← w·(1 ± κ)), which keeps signs and magnitude order, so that
/// magnitude pruning removes little of the mark. For a model not derived from the marked one, each read bit
/// is a fair coin (the chips are symmetric), so matched bits follow Binomial(n, 1/2) exactly.
/// </summary>
public static class WeightWatermark
{
    /// <summary>The scheme's stable id.</summary>
    public const string SchemeId = "weights";

    /// <summary>Relative change no weight may exceed; a bit that would need more is left at the largest allowed push.</summary>
    internal const double MaxRelativeChange = 0.5;

    /// <summary>Embeds <paramref name="payload"/> into <paramref name="model"/> (in memory) and returns the report and the kit entry.</summary>
    public static (WeightEmbedReport Report, KitEntry Entry) Embed(OnnxModel model, OwnerKit kit, bool[] payload, double margin = WeightEmbedOptions.DefaultMargin)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(payload);
        var entryId = Guid.NewGuid().ToString("D");
        var carriers = SelectCarriers(model);
        var bits = payload.Length;
        var elements = carriers.Sum(c => (long)c.Values.Length);
        if (bits == 0 || elements < 16L * bits)
        {
            throw new ModelShieldException(
                ErrorCodes.WatermarkCapacity,
                $"The model has {elements} carrier weights (float tensors of rank 2 or more); {bits} bits need at least {16L * bits}.");
        }

        var (changes, capped) = Push(model, carriers, kit.DeriveKey(LayoutPurpose(entryId)), payload, margin, out _);
        var tensors = new JsonArray(carriers.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["elements"] = (long)c.Values.Length,
            ["std"] = c.Std,
        }).ToArray());
        var entry = new KitEntry(
            entryId,
            SchemeId,
            DateTimeOffset.UtcNow,
            ModelSha256: "",
            Summary: new JsonObject
            {
                ["bits"] = bits,
                ["carrierTensors"] = carriers.Count,
                ["carrierElements"] = elements,
                ["margin"] = margin,
            },
            Secret: new JsonObject
            {
                ["payloadHex"] = WatermarkPayload.ToHex(payload),
                ["bits"] = bits,
                ["tensors"] = tensors,
            });
        return (new WeightEmbedReport(bits, elements, margin, capped, changes), entry);
    }

    /// <summary>
    /// Pushes back to the margin every bit of <paramref name="entry"/> that training pulled below it, in
    /// <paramref name="model"/> (in memory), with the same closed-form step as embedding and the standard deviations
    /// recorded at embedding; bits at or above the margin are left alone. Returns the bits pushed and the changes.
    /// </summary>
    public static (int BitsPushed, IReadOnlyList<TensorChange> Changes) Reinforce(OnnxModel model, OwnerKit kit, KitEntry entry)
    {
        var mark = LoadMark(model, kit, entry);
        var (changes, _) = Push(model, mark.Carriers, mark.LayoutKey, mark.Payload, mark.Margin, out var pushed);
        return (pushed, changes);
    }

    /// <summary>
    /// Counts the bits of <paramref name="entry"/> in <paramref name="model"/> that sit at or above the margin (the ones
    /// <see cref="Reinforce"/> leaves alone) and that read right, with the standard deviations recorded at embedding.
    /// Training that keeps the mark reports these rather than its own float32 sums, which can disagree for a bit
    /// within rounding of the margin.
    /// </summary>
    public static WeightMarkMargins Margins(OnnxModel model, OwnerKit kit, KitEntry entry)
    {
        var mark = LoadMark(model, kit, entry);
        var bits = mark.Payload.Length;
        var projection = Project(mark.Carriers.Select(c => (c.Name, c.Values, c.Std)), mark.LayoutKey, bits);
        var signed = Enumerable.Range(0, bits).Select(j => projection.Signed(j, mark.Payload)).ToList();
        return new WeightMarkMargins(bits, signed.Count(s => !BelowMargin(s, mark.Margin)), signed.Count(s => s > 0));
    }

    /// <summary>The entry's payload, margin and carrier tensors as found in <paramref name="model"/>.</summary>
    private static (bool[] Payload, double Margin, List<Carrier> Carriers, byte[] LayoutKey) LoadMark(OnnxModel model, OwnerKit kit, KitEntry entry)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(entry);
        var mark = WeightMarkEntry.Read(entry);
        var carriers = mark.Tensors.Select(t =>
        {
            var tensor = model.Graph.Initializer.FirstOrDefault(i => i.Name == t.Name && TensorElementTypes.ElementCount(i) == t.Elements)
                ?? throw new ModelShieldException(ErrorCodes.WatermarkCapacity, $"The model lost the marked tensor '{t.Name}'.");
            return new Carrier(t.Name, tensor, TensorData.ReadAsSingle(model, tensor), t.Std);
        }).ToList();
        return (mark.Payload, mark.Margin, carriers, kit.DeriveKey(LayoutPurpose(entry.Id)));
    }

    /// <summary>
    /// Reads the mark of <paramref name="entry"/> from <paramref name="suspect"/> and tests it. Blind by default; given
    /// the <paramref name="original"/> (the unmarked model the entry was embedded into, or the marked release), it also
    /// aligns the suspect's neurons to it (undoing permutation, rescaling and dummy neurons) and reads again. Every
    /// reading tried counts in the Bonferroni correction; the one with the most matched bits is reported (the aligned one on a tie).
    /// </summary>
    public static WeightDetection Detect(OnnxModel suspect, OwnerKit kit, KitEntry entry, double alpha = HypothesisTest.DefaultAlpha, OnnxModel? original = null)
    {
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(entry);
        var mark = WeightMarkEntry.Read(entry);
        var reading = Read(suspect, kit, entry.Id, mark);
        var comparisons = reading.Comparisons;
        IReadOnlyList<LayerAlignment>? alignment = null;
        if (original is not null)
        {
            var copy = OnnxModel.Parse(suspect.ToBytes(), suspect.BaseDirectory);
            alignment = NeuronAlignment.Align(copy, original);
            var aligned = Read(copy, kit, entry.Id, mark);
            comparisons += aligned.Comparisons;
            reading = aligned.Matched >= reading.Matched ? aligned with { Aligned = true } : reading;
        }

        var test = HypothesisTest.ExactBinomial(
            mark.Payload.Length,
            reading.Matched,
            0.5,
            "analytic: each bit is the sign of a projection on secret random ±1 chips, a fair coin for any model not derived from the marked one",
            comparisons,
            alpha);
        return new WeightDetection(entry.Id, test, WatermarkPayload.ToHex(reading.Extracted), reading.Missing, reading.Comparisons > 1, alignment, reading.Aligned);
    }

    private static Reading Read(OnnxModel suspect, OwnerKit kit, string entryId, WeightMarkEntry mark)
    {
        var payload = mark.Payload;
        var bits = payload.Length;
        var expected = mark.Tensors;
        var (mapping, comparisons) = MapTensors(suspect, expected.Select(e => (e.Name, e.Elements)).ToList());
        var found = expected
            .Select((e, k) => (e.Name, Values: mapping[k] is null ? null : TensorData.ReadAsSingle(suspect, mapping[k]!), e.Std))
            .ToList();
        var missing = found.Where(f => f.Values is null).Select(f => f.Name).ToList();
        var projection = Project(found.Where(f => f.Values is not null).Select(f => (f.Name, f.Values!, f.Std)), kit.DeriveKey(LayoutPurpose(entryId)), bits);
        var extracted = new bool[bits];
        var matched = 0;
        for (var j = 0; j < bits; j++)
        {
            extracted[j] = projection.Normalized(j) > 0;
            matched += projection.Signed(j, payload) > 0 ? 1 : 0;
        }

        return new Reading(matched, extracted, missing, comparisons, Aligned: false);
    }

    /// <summary>
    /// The mark of <paramref name="entry"/> as linear constraints on the weights, for training that must keep it (repair
    /// fine-tuning): for each carrier tensor, each element's bit and coefficient (chip / the tensor's recorded standard
    /// deviation), so that bit j's normalized projection is Scales[j] × Σ coefficient × weight, to be kept at
    /// Signs[j] × projection ≥ the margin. Secret: never written anywhere.
    /// </summary>
    public static WeightMarkLayout Layout(OwnerKit kit, KitEntry entry)
    {
        ArgumentNullException.ThrowIfNull(kit);
        ArgumentNullException.ThrowIfNull(entry);
        var mark = WeightMarkEntry.Read(entry);
        var bits = mark.Payload.Length;
        var layoutKey = kit.DeriveKey(LayoutPurpose(entry.Id));
        var counts = new long[bits];
        var carriers = new List<WeightMarkCarrier>();
        foreach (var (name, count, std) in mark.Tensors)
        {
            var elements = (int)count;
            var scale = (float)(1 / std);
            var bitOf = new int[elements];
            var coefficients = new float[elements];
            using var stream = new KeyedStream(layoutKey, name);
            for (var i = 0; i < elements; i++)
            {
                var (bit, chip) = Assign(stream.Next(), bits);
                bitOf[i] = bit;
                coefficients[i] = chip * scale;
                counts[bit]++;
            }

            carriers.Add(new WeightMarkCarrier(name, bitOf, coefficients));
        }

        return new WeightMarkLayout(
            carriers,
            mark.Payload.Select(b => b ? 1f : -1f).ToArray(),
            counts.Select(c => c == 0 ? 0f : (float)(1 / Math.Sqrt(c))).ToArray(),
            mark.Margin);
    }

    /// <summary>
    /// The closed-form push: κ_j is the relative change that brings bit j's projection to the margin (0 for bits already
    /// there), capped at <see cref="MaxRelativeChange"/>; each weight w becomes w·(1 + κ_j·chip·sign(w)).
    /// </summary>
    private static (List<TensorChange> Changes, int Capped) Push(OnnxModel model, List<Carrier> carriers, byte[] layoutKey, bool[] payload, double margin, out int pushed)
    {
        var bits = payload.Length;
        var projection = Project(carriers.Select(c => (c.Name, c.Values, c.Std)), layoutKey, bits);
        var kappa = new double[bits];
        var capped = 0;
        pushed = 0;
        for (var j = 0; j < bits; j++)
        {
            var signed = projection.Signed(j, payload);
            if (!BelowMargin(signed, margin) || projection.Magnitude[j] == 0)
            {
                continue;
            }

            pushed++;
            kappa[j] = (payload[j] ? 1 : -1) * (margin - signed) * Math.Sqrt(projection.Count[j]) / projection.Magnitude[j];
            if (Math.Abs(kappa[j]) > MaxRelativeChange)
            {
                kappa[j] = Math.CopySign(MaxRelativeChange, kappa[j]);
                capped++;
            }
        }

        var changes = new List<TensorChange>();
        foreach (var carrier in carriers)
        {
            using var stream = new KeyedStream(layoutKey, carrier.Name);
            var values = carrier.Values;
            double maxChange = 0, sumChange = 0;
            for (var i = 0; i < values.Length; i++)
            {
                var (bit, chip) = Assign(stream.Next(), bits);
                var w = values[i];
                var updated = (float)(w * (1 + (kappa[bit] * chip * Math.Sign(w))));
                var change = Math.Abs(updated - w) / carrier.Std;
                maxChange = Math.Max(maxChange, change);
                sumChange += change;
                values[i] = updated;
            }

            TensorData.WriteFromSingle(model, carrier.Tensor, values);
            changes.Add(new TensorChange(carrier.Name, values.Length, maxChange, sumChange / values.Length));
        }

        return (changes, capped);
    }

    /// <summary>The one decision of whether a bit needs a push: a bit pushed once sits at the margin up to float rounding.</summary>
    private static bool BelowMargin(double signedProjection, double margin) => margin - signedProjection > 1e-6;

    internal static string LayoutPurpose(string entryId) => $"weights/v1/layout/{entryId}";

    /// <summary>Maps an assigned stream word to (bit, chip).</summary>
    private static (int Bit, int Chip) Assign(uint word, int bits) => ((int)((word >> 1) % (uint)bits), (word & 1) == 0 ? 1 : -1);

    private static Projection Project(IEnumerable<(string Name, float[] Values, double Std)> tensors, byte[] layoutKey, int bits)
    {
        var projection = new Projection(new double[bits], new double[bits], new long[bits]);
        foreach (var (name, values, std) in tensors)
        {
            using var stream = new KeyedStream(layoutKey, name);
            var scale = 1 / std;
            for (var i = 0; i < values.Length; i++)
            {
                var (bit, chip) = Assign(stream.Next(), bits);
                var z = values[i] * scale;
                projection.Sum[bit] += chip * z;
                projection.Magnitude[bit] += Math.Abs(z);
                projection.Count[bit]++;
            }
        }

        return projection;
    }

    /// <summary>Share of all eligible weights below which a tensor carries no mark.</summary>
    internal const double MinCarrierShare = 0.05;

    /// <summary>
    /// The carrier: eligible tensors holding at least <see cref="MinCarrierShare"/> of all eligible weights. Small
    /// tensors (a first convolution, the output layer) add little capacity but, per weight, change the function most.
    /// </summary>
    private static List<Carrier> SelectCarriers(OnnxModel model)
    {
        var eligible = model.Graph.Initializer.Where(IsCarrier).ToList();
        var total = eligible.Sum(TensorElementTypes.ElementCount);
        return eligible
            .Where(t => TensorElementTypes.ElementCount(t) >= MinCarrierShare * total)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t =>
            {
                var values = TensorData.ReadAsSingle(model, t);
                return new Carrier(t.Name, t, values, StandardDeviation(values));
            })
            .Where(c => c.Std > 0)
            .ToList();
    }

    private static bool IsCarrier(TensorProto t) =>
        t.Dims.Count >= 2
        && (DataType)t.DataType is DataType.Float or DataType.Float16 or DataType.Bfloat16 or DataType.Double
        && TensorElementTypes.ElementCount(t) >= 16;

    /// <summary>
    /// Finds each marked tensor in the suspect: by name and size; if that fails for any, by size in the
    /// order of the original's tensors (a renamed copy). Each way tried counts as a comparison.
    /// </summary>
    private static (TensorProto?[] Mapping, int Comparisons) MapTensors(OnnxModel suspect, List<(string Name, long Elements)> expected)
    {
        var candidates = suspect.Graph.Initializer.Where(IsCarrier).ToList();
        var byName = expected
            .Select(e => candidates.FirstOrDefault(t => t.Name == e.Name && TensorElementTypes.ElementCount(t) == e.Elements))
            .ToArray();
        if (byName.All(t => t is not null))
        {
            return (byName, 1);
        }

        var used = new HashSet<TensorProto>(ReferenceEqualityComparer.Instance);
        var ordered = candidates.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var bySize = expected
            .Select(e =>
            {
                var match = ordered.FirstOrDefault(t => !used.Contains(t) && TensorElementTypes.ElementCount(t) == e.Elements);
                if (match is not null)
                {
                    used.Add(match);
                }

                return match;
            })
            .ToArray();
        return (bySize.Count(t => t is not null) >= byName.Count(t => t is not null) ? bySize : byName, 2);
    }

    private static double StandardDeviation(float[] values)
    {
        double sum = 0, sumSquares = 0;
        foreach (var v in values)
        {
            sum += v;
            sumSquares += (double)v * v;
        }

        var mean = sum / values.Length;
        return Math.Sqrt(Math.Max(0, (sumSquares / values.Length) - (mean * mean)));
    }

    private sealed record Reading(int Matched, bool[] Extracted, IReadOnlyList<string> Missing, int Comparisons, bool Aligned);

    private sealed record Carrier(string Name, TensorProto Tensor, float[] Values, double Std);

    private sealed record Projection(double[] Sum, double[] Magnitude, long[] Count)
    {
        public double Normalized(int bit) => Count[bit] == 0 ? 0 : Sum[bit] / Math.Sqrt(Count[bit]);

        /// <summary>The normalized projection on the payload's side: positive when the bit reads right.</summary>
        public double Signed(int bit, bool[] payload) => payload[bit] ? Normalized(bit) : -Normalized(bit);
    }
}

/// <summary>One carrier tensor of a weight mark: each element's bit and coefficient.</summary>
/// <param name="Tensor">The initializer's name.</param>
/// <param name="Bits">Each element's bit (row-major order).</param>
/// <param name="Coefficients">Each element's coefficient in its bit's projection.</param>
public sealed record WeightMarkCarrier(string Tensor, int[] Bits, float[] Coefficients);

/// <summary>A weight mark as linear constraints: bit j holds while Signs[j] × Scales[j] × Σ coefficient × weight ≥ Margin.</summary>
/// <param name="Carriers">The carrier tensors.</param>
/// <param name="Signs">+1 or −1 per bit: the payload.</param>
/// <param name="Scales">1 / √(weights on the bit) per bit.</param>
/// <param name="Margin">The margin the mark was embedded with.</param>
public sealed record WeightMarkLayout(IReadOnlyList<WeightMarkCarrier> Carriers, float[] Signs, float[] Scales, double Margin);

/// <summary>Where a weight mark's bits stand in a model.</summary>
/// <param name="Bits">Payload bits.</param>
/// <param name="AtMargin">Bits whose projection is at or above the margin on the payload's side.</param>
/// <param name="ReadRight">Bits whose projection lies on the payload's side (read as embedded).</param>
public sealed record WeightMarkMargins(int Bits, int AtMargin, int ReadRight);

/// <summary>Options of the weights scheme.</summary>
public static class WeightEmbedOptions
{
    /// <summary>
    /// Default margin: each bit's projection is pushed to at least 1.5 standard deviations of the projection of
    /// unmarked weights. Larger margins survive stronger attacks and cost more fidelity: at 2 the full-data MLP lost
    /// more than 0.3 points of accuracy with 3 of 23 kits (worst 0.51); at 1.5 it lost at most 0.25 with 13 kits
    /// and kept 255-256 of 256 bits through 10 epochs of fine-tuning at lr 1e-3 and 50 % pruning.
    /// </summary>
    public const double DefaultMargin = 1.5;

    /// <summary>Default payload length.</summary>
    public const int DefaultBits = 256;
}

/// <summary>How one tensor changed, relative to its standard deviation.</summary>
public sealed record TensorChange(string Name, long Elements, double MaxRelativeChange, double MeanRelativeChange);

/// <summary>What embedding did.</summary>
/// <param name="Bits">Payload bits embedded.</param>
/// <param name="CarrierElements">Weights that carry the mark.</param>
/// <param name="Margin">The margin each bit was pushed to.</param>
/// <param name="CappedBits">Bits whose push hit the largest allowed relative change (they may read wrong).</param>
/// <param name="Tensors">Per tensor, the largest and mean change in units of its standard deviation.</param>
public sealed record WeightEmbedReport(int Bits, long CarrierElements, double Margin, int CappedBits, IReadOnlyList<TensorChange> Tensors);

/// <summary>The result of reading a weight mark from a suspect.</summary>
/// <param name="EntryId">The kit entry tested.</param>
/// <param name="Test">The hypothesis test on matched bits.</param>
/// <param name="ExtractedHex">The bits read from the suspect.</param>
/// <param name="MissingTensors">Marked tensors not found in the suspect.</param>
/// <param name="RenamedTensors">True when tensors were matched by size rather than by name.</param>
/// <param name="Alignment">How the suspect's neurons were matched to the original's, when an original was given.</param>
/// <param name="FromAlignedModel">True when the reported bits were read after alignment.</param>
public sealed record WeightDetection(
    string EntryId,
    HypothesisTest Test,
    string ExtractedHex,
    IReadOnlyList<string> MissingTensors,
    bool RenamedTensors,
    IReadOnlyList<LayerAlignment>? Alignment = null,
    bool FromAlignedModel = false)
{
    /// <summary>The fraction of bits that differ from the payload.</summary>
    public double BitErrorRate => 1 - ((double)Test.Successes / Test.Trials);

    /// <summary>True when the mark is detected at the test's level.</summary>
    public bool Detected => Test.Rejected;

    /// <summary>The p-value formatted for people.</summary>
    public string PValueText => HypothesisTest.FormatPValue(Test.Log10CorrectedPValue);

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Test.Successes}/{Test.Trials} bits, p = {PValueText}");
}
