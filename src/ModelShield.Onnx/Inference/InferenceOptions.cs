namespace ModelShield.Onnx.Inference;

/// <summary>How ONNX Runtime runs a model.</summary>
public sealed record InferenceOptions
{
    /// <summary>Defaults: all graph optimizations, ONNX Runtime's own thread choice.</summary>
    public static InferenceOptions Default { get; } = new();

    /// <summary>Threads inside one operator; 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Limits used to check a model file before ONNX Runtime sees it.</summary>
    public Files.ModelReadOptions ReadOptions { get; init; } = Files.ModelReadOptions.Default;
}
