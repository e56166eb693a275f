using static TorchSharp.torch;

namespace ModelShield.Training.Executor;

/// <summary>
/// Turns one ONNX node into a TorchSharp computation. One implementation per operator, registered in
/// <see cref="OpRegistry"/> by (domain, op type, opset range). <see cref="Convert"/> runs once per node
/// when the graph is built: it reads and checks the attributes, so that running the kernel does no parsing.
/// </summary>
internal interface IOpConverter
{
    /// <summary>The operator's domain; the empty string is the default domain ai.onnx.</summary>
    string Domain { get; }

    string OpType { get; }

    /// <summary>The oldest opset version whose semantics the converter implements.</summary>
    int MinOpset { get; }

    /// <summary>The newest opset version whose semantics the converter implements.</summary>
    int MaxOpset { get; }

    OpKernel Convert(NodeInfo node);
}

/// <summary>
/// Runs a converted node. Inputs that the node leaves out (empty names) are null. Kernels never modify
/// their inputs in place: inputs may be the model's parameters or another node's output.
/// </summary>
internal delegate Tensor[] OpKernel(Tensor?[] inputs, bool training);
