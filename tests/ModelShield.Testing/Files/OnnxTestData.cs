namespace ModelShield.Testing.Files;

/// <summary>ONNX's own test data, from Debian's libonnx-testdata package (installed by .ci/run).</summary>
public static class OnnxTestData
{
    public const string Root = "/usr/share/libonnx-testdata/data";

    public static bool IsInstalled => Directory.Exists(Root);

    /// <summary>Skips the calling test (Inconclusive) when the package is not installed.</summary>
    public static void RequireInstalled()
    {
        if (!IsInstalled)
        {
            Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Inconclusive($"libonnx-testdata is not installed ({Root}); apt-get install libonnx-testdata");
        }
    }

    /// <summary>Every model.onnx of the test data, sorted.</summary>
    public static IReadOnlyList<string> AllModels() =>
        Directory.EnumerateFiles(Root, "model.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every input_N.pb / output_N.pb of the test data, sorted.</summary>
    public static IReadOnlyList<string> AllTensorFiles() =>
        Directory.EnumerateFiles(Root, "*.pb", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    /// <summary>The folder of one test case, e.g. <c>pytorch-converted/test_Conv2d</c>.</summary>
    public static string Case(string relative) => Path.Combine(Root, relative);
}
