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
    /// <summary>Runs both model files on the test split of <paramref name="dataFolder"/> (null: the default folder) and compares.</summary>
    public static FidelityReport Measure(string beforePath, string afterPath, string? dataFolder)
    {
        var test = FashionMnist.LoadPart(FashionMnist.ResolveFolder(dataFolder), "t10k");
        var before = LabPredictions.Answers(beforePath, test).Labels;
        var after = LabPredictions.Answers(afterPath, test).Labels;
        int rightBefore = 0, rightAfter = 0, same = 0;
        for (var i = 0; i < test.Count; i++)
        {
            rightBefore += before[i] == test.Labels[i] ? 1 : 0;
            rightAfter += after[i] == test.Labels[i] ? 1 : 0;
            same += before[i] == after[i] ? 1 : 0;
        }

        return new FidelityReport(test.Count, (double)rightBefore / test.Count, (double)rightAfter / test.Count, (double)same / test.Count);
    }
}
