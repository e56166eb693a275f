namespace ModelShield.Onnx.Files;

/// <summary>A tensor of a serialized model whose bytes live in an external file.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DataType">Its element type, as the ONNX TensorProto.DataType number.</param>
/// <param name="Dims">Its shape.</param>
/// <param name="Data">Where its bytes lie.</param>
/// <param name="IsMainGraphInitializer">True for an initializer of the main graph (not a subgraph, sparse part, attribute, function or training graph).</param>
public sealed record ExternalTensorReference(string Name, int DataType, IReadOnlyList<long> Dims, ExternalDataInfo Data, bool IsMainGraphInitializer);
