namespace ModelShield.Onnx.Files;

/// <summary>Limits applied while reading an untrusted model file.</summary>
public sealed record ModelReadOptions
{
    /// <summary>The default limits: 2 GiB for the protobuf (its own hard limit) and 64 levels of nesting.</summary>
    public static ModelReadOptions Default { get; } = new();

    /// <summary>Largest accepted size of the .onnx file itself, external data excluded.</summary>
    public long MaxModelBytes { get; init; } = int.MaxValue;

    /// <summary>Deepest accepted nesting of protobuf messages (subgraphs inside attributes nest).</summary>
    public int MaxNestingDepth { get; init; } = 64;
}
