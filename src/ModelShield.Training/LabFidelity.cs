using ModelShield.Onnx.Inference;
using ModelShield.Training.Data;

namespace ModelShield.Training;

/// <summary>How a change to a model (a watermark, an attack) moved its answers on the test split.</summary>
/// <param name="TestImages">Images of the test split used.</param>
/// <param name="AccuracyBefore">Test accuracy of the model before the change.</param>
/// <param name="AccuracyAfter">Test accuracy after it.</param>
/// <param name="Top1Agreement">Fraction of test images on which both give the same top-1 class.</param>
public sealed record FidelityReport(int TestImages, double AccuracyBefore, double AccuracyAfter, double Top1Agreement)
{
    /// <summary>Accuracy change in percentage points (negative: worse).</summary>
    public double AccuracyChangePoints => (AccuracyAfter - AccuracyBefore) * 100;
}

/// <summary>Measures fidelity through ONNX Runtime on a data folder's test split (DESIGN.md, --data).</summary>
public static class LabFidelity
{
    private const int Batch = 500;

    /// <summary>Runs both model files on the test split of <paramref name="dataFolder"/> (null: the default folder) and compares.</summary>
    public static FidelityReport Measure(string beforePath, string afterPath, string? dataFolder)
    {
        var test = FashionMnist.LoadPart(FashionMnist.ResolveFolder(dataFolder), "t10k");
        using var a = OnnxInference.FromFile(beforePath);
        using var b = OnnxInference.FromFile(afterPath);
        int rightBefore = 0, rightAfter = 0, same = 0;
        var pixels = test.PixelsPerImage;
        for (var start = 0; start < test.Count; start += Batch)
        {
            var count = Math.Min(Batch, test.Count - start);
            var input = new float[count * pixels];
            for (var i = 0; i < input.Length; i++)
            {
                input[i] = test.Pixels[(start * pixels) + i] / 255f;
            }

            var predictedBefore = Top1(a.RunFloat(input, count, 1, test.Height, test.Width).AsFloats(), count);
            var predictedAfter = Top1(b.RunFloat(input, count, 1, test.Height, test.Width).AsFloats(), count);
            for (var i = 0; i < count; i++)
            {
                var label = test.Labels[start + i];
                rightBefore += predictedBefore[i] == label ? 1 : 0;
                rightAfter += predictedAfter[i] == label ? 1 : 0;
                same += predictedBefore[i] == predictedAfter[i] ? 1 : 0;
            }
        }

        return new FidelityReport(test.Count, (double)rightBefore / test.Count, (double)rightAfter / test.Count, (double)same / test.Count);
    }

    private static int[] Top1(float[] scores, int count)
    {
        var classes = scores.Length / count;
        var result = new int[count];
        for (var r = 0; r < count; r++)
        {
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                best = scores[(r * classes) + c] > scores[(r * classes) + best] ? c : best;
            }

            result[r] = best;
        }

        return result;
    }
}
