using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Graphs;

namespace ModelShield.Watermarking.Weights;

/// <summary>
/// Undoes what a thief can do to hidden neurons without changing the function: permutation, positive
/// rescaling, and extra (dummy) neurons. Layer by layer, each of the original's neurons is matched to the
/// suspect neuron whose incoming weights (and bias) point the same way (cosine similarity, greedy best-first),
/// the suspect's weights are reordered and cut to the original's shapes, and the scale is divided out where
/// the layers allow it. The suspect model is edited in memory; its file is never touched.
/// </summary>
internal static class NeuronAlignment
{
    /// <summary>Aligns <paramref name="suspect"/> to <paramref name="original"/> in place and reports each layer's match.</summary>
    public static IReadOnlyList<LayerAlignment> Align(OnnxModel suspect, OnnxModel original)
    {
        var chainO = LayerChain.Analyze(original);
        var chainS = LayerChain.Analyze(suspect);
        if (chainO.Layers.Count != chainS.Layers.Count)
        {
            throw new ModelShieldException(
                ErrorCodes.AlignmentFailed,
                $"The suspect has {chainS.Layers.Count} weight layers and the original {chainO.Layers.Count}; they cannot be aligned.");
        }

        var report = new List<LayerAlignment>();
        for (var k = 0; k < chainO.Links.Count; k++)
        {
            var linkO = chainO.Links[k];
            var linkS = chainS.Links[k];
            if (!linkO.Permutable || !linkS.Permutable)
            {
                continue;
            }

            var from = WeightTensor.Read(original, linkO.From.Weight);
            var fromS = WeightTensor.Read(suspect, linkS.From.Weight);
            var vectorsO = Neurons(original, from, linkO.From);
            var vectorsS = Neurons(suspect, fromS, linkS.From);
            if (vectorsO[0].Length != vectorsS[0].Length)
            {
                throw new ModelShieldException(
                    ErrorCodes.AlignmentFailed,
                    $"Layer '{linkO.From.Node.Name}': neurons have {vectorsS[0].Length} inputs in the suspect and {vectorsO[0].Length} in the original.");
            }

            var (source, similarity) = Match(vectorsO, vectorsS);
            var scales = source.Select((j, i) => j < 0 || !linkS.Rescalable ? 1f : (float)(Norm(vectorsS[j]) / Math.Max(1e-30, Norm(vectorsO[i])))).ToArray();
            Reorder(suspect, linkS, source, scales);
            report.Add(new LayerAlignment(
                linkO.From.Weight.Name,
                vectorsS.Length,
                vectorsO.Length,
                source.Where((j, i) => j == i).Count(),
                source.Count(j => j < 0),
                similarity.Where(s => !double.IsNaN(s)).DefaultIfEmpty(0).Average(),
                similarity.Where(s => !double.IsNaN(s)).DefaultIfEmpty(0).Min(),
                scales.Min(),
                scales.Max()));
        }

        return report;
    }

    /// <summary>Each output neuron's incoming weights (all other axes, flattened) followed by its bias.</summary>
    private static float[][] Neurons(OnnxModel model, WeightTensor weight, Layer layer)
    {
        var bias = layer.Bias is null ? null : WeightTensor.Read(model, layer.Bias).Values;
        var count = (int)weight.Dims[layer.OutAxis];
        var inner = (int)weight.Dims.Skip(layer.OutAxis + 1).Aggregate(1L, (a, b) => a * b);
        var outer = (int)weight.Dims.Take(layer.OutAxis).Aggregate(1L, (a, b) => a * b);
        var vectors = new float[count][];
        for (var c = 0; c < count; c++)
        {
            var v = new float[(outer * inner) + (bias is null ? 0 : 1)];
            for (var o = 0; o < outer; o++)
            {
                Array.Copy(weight.Values, ((o * count) + c) * inner, v, o * inner, inner);
            }

            if (bias is not null)
            {
                v[^1] = bias[c];
            }

            vectors[c] = v;
        }

        return vectors;
    }

    /// <summary>Greedy best-first matching on cosine similarity; source[i] is the suspect neuron for original neuron i, or -1.</summary>
    private static (int[] Source, double[] Similarity) Match(float[][] original, float[][] suspect)
    {
        var normsO = original.Select(Norm).ToArray();
        var normsS = suspect.Select(Norm).ToArray();
        var pairs = new List<(double Similarity, int I, int J)>(original.Length * suspect.Length);
        for (var i = 0; i < original.Length; i++)
        {
            for (var j = 0; j < suspect.Length; j++)
            {
                var dot = 0.0;
                var a = original[i];
                var b = suspect[j];
                for (var d = 0; d < a.Length; d++)
                {
                    dot += (double)a[d] * b[d];
                }

                pairs.Add((dot / Math.Max(1e-30, normsO[i] * normsS[j]), i, j));
            }
        }

        pairs.Sort((x, y) => y.Similarity.CompareTo(x.Similarity));
        var source = Enumerable.Repeat(-1, original.Length).ToArray();
        var similarity = Enumerable.Repeat(double.NaN, original.Length).ToArray();
        var taken = new bool[suspect.Length];
        foreach (var (s, i, j) in pairs)
        {
            if (source[i] < 0 && !taken[j])
            {
                source[i] = j;
                similarity[i] = s;
                taken[j] = true;
            }
        }

        return (source, similarity);
    }

    /// <summary>Rebuilds the suspect's joint in the original's channel order, dividing out the scale on the producer side.</summary>
    private static void Reorder(OnnxModel suspect, Link link, int[] source, float[] scales)
    {
        var inverse = scales.Select(s => 1 / s).ToArray();
        var weight = WeightTensor.Read(suspect, link.From.Weight);
        weight.Select(link.From.OutAxis, source, 1, () => 0f);
        weight.Scale(link.From.OutAxis, inverse, 1);
        weight.Write(suspect);
        if (link.From.Bias is not null)
        {
            var bias = WeightTensor.Read(suspect, link.From.Bias);
            bias.Select(0, source, 1, () => 0f);
            bias.Scale(0, inverse, 1);
            bias.Write(suspect);
        }

        foreach (var norm in link.Norms)
        {
            float[] neutral = [1f, 0f, 0f, 1f];
            for (var p = 0; p < 4; p++)
            {
                var tensor = WeightTensor.Read(suspect, norm[p]);
                var value = neutral[p];
                tensor.Select(0, source, 1, () => value);
                tensor.Write(suspect);
            }
        }

        var next = WeightTensor.Read(suspect, link.To.Weight);
        next.Select(link.To.InAxis, source, link.Spread, () => 0f);
        next.Scale(link.To.InAxis, scales, link.Spread);
        next.Write(suspect);
    }

    private static double Norm(float[] v)
    {
        var sum = 0.0;
        foreach (var x in v)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum);
    }
}

/// <summary>How one hidden layer of the suspect was matched to the original.</summary>
/// <param name="Layer">The layer's weight tensor (original name).</param>
/// <param name="SuspectNeurons">Neurons (channels) in the suspect.</param>
/// <param name="OriginalNeurons">Neurons in the original.</param>
/// <param name="InPlace">Original neurons found at their own position (all of them: not permuted).</param>
/// <param name="Unmatched">Original neurons with no suspect neuron left (the suspect has fewer).</param>
/// <param name="MeanSimilarity">Mean cosine similarity of matched pairs.</param>
/// <param name="MinSimilarity">Lowest cosine similarity of a matched pair.</param>
/// <param name="MinScale">Smallest scale divided out.</param>
/// <param name="MaxScale">Largest scale divided out.</param>
public sealed record LayerAlignment(string Layer, int SuspectNeurons, int OriginalNeurons, int InPlace, int Unmatched, double MeanSimilarity, double MinSimilarity, float MinScale, float MaxScale);
