namespace ModelShield.Training.Tests;

/// <summary>Locations of the data the tests use: the sample shipped in the repository, temporary folders.</summary>
internal static class LabTestData
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ModelShield.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (ModelShield.sln) above " + AppContext.BaseDirectory);
    });

    public static string RepositoryRoot => Root.Value;

    /// <summary>The Fashion-MNIST sample under models/data (4,000 training and 2,000 test images).</summary>
    public static string SampleFolder => Path.Combine(RepositoryRoot, "models", "data");

    public const string OnnxNodeTests = "/usr/share/libonnx-testdata/data/node";

    public static string NewTempFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), "ms-lab-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
