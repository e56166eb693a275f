namespace ModelShield.Testing.Files;

/// <summary>Files shipped in the repository: the root (where ModelShield.sln is) and the Fashion-MNIST sample under models/data.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "ModelShield.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("No ModelShield.sln above " + AppContext.BaseDirectory);
    });

    public static string Root => RootFolder.Value;

    /// <summary>The Fashion-MNIST sample (4,000 training, 2,000 test images) usable as <c>--data</c>.</summary>
    public static string SampleData => System.IO.Path.Combine(Root, "models", "data");

    /// <summary>A shipped sample model: models/ARCH/model.onnx (mlp, cnn, cnn-bn).</summary>
    public static string Model(string architecture) => System.IO.Path.Combine(Root, "models", architecture, "model.onnx");
}
