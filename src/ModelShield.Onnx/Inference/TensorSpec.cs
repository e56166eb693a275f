namespace ModelShield.Onnx.Inference;

/// <summary>A model input or output as ONNX Runtime sees it.</summary>
/// <param name="Name">The graph name.</param>
/// <param name="ElementType">ONNX element type name (e.g. float32), or the value kind for non-tensors.</param>
/// <param name="Dimensions">Each dimension: a number, a symbolic name, or "?" when unknown.</param>
public sealed record TensorSpec(string Name, string ElementType, IReadOnlyList<string> Dimensions);
