namespace ModelShield.Onnx.Inspection;

/// <summary>What <see cref="ModelInspector"/> found in a model; serialized as the JSON of <c>modelshield inspect --json</c> (docs/inspect-json.md).</summary>
public sealed record ModelInspection(
    string Path,
    string ProducerName,
    string ProducerVersion,
    long IrVersion,
    long ModelVersion,
    string Domain,
    IReadOnlyList<OpsetInfo> Opsets,
    IReadOnlyList<ValueInfo> Inputs,
    IReadOnlyList<ValueInfo> Outputs,
    int NodeCount,
    IReadOnlyDictionary<string, int> OperatorCounts,
    int InitializerCount,
    long ParameterCount,
    IReadOnlyDictionary<string, long> BytesByType,
    IReadOnlyList<TensorInfo> LargestTensors,
    IReadOnlyList<string> ExternalDataFiles,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<FileDigest> Files);

/// <summary>An imported operator set.</summary>
public sealed record OpsetInfo(string Domain, long Version);

/// <summary>A graph input or output: its name and type, with dimensions as numbers, symbolic names, or "?".</summary>
public sealed record ValueInfo(string Name, string Type, string ElementType, IReadOnlyList<string> Shape);

/// <summary>One initializer's size.</summary>
public sealed record TensorInfo(string Name, string ElementType, IReadOnlyList<long> Shape, long Elements, long Bytes, bool External);

/// <summary>A file the model consists of, with its size and SHA-256 (lowercase hex).</summary>
public sealed record FileDigest(string Path, long Bytes, string Sha256);
