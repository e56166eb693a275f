using ModelShield.Errors;
using ModelShield.Onnx.Schema;
using AttributeType = ModelShield.Onnx.Schema.AttributeProto.Types.AttributeType;

namespace ModelShield.Training.Executor;

/// <summary>A node as converters see it: its attributes with typed accessors, its opset and how many inputs and outputs it uses.</summary>
internal sealed class NodeInfo
{
    private readonly Dictionary<string, AttributeProto> _attributes;

    public NodeInfo(NodeProto node, int opset, Func<TensorProto, TorchSharp.torch.Tensor> toTensor)
    {
        Node = node;
        Opset = opset;
        ToTensor = toTensor;
        _attributes = node.Attribute.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    public NodeProto Node { get; }

    public int Opset { get; }

    /// <summary>Converts a tensor attribute to a TorchSharp tensor (the executor's own conversion).</summary>
    public Func<TensorProto, TorchSharp.torch.Tensor> ToTensor { get; }

    /// <summary>How the node is named in messages: its name, or its op type and first output.</summary>
    public string Display => string.IsNullOrEmpty(Node.Name) ? $"{Node.OpType} node producing '{Node.Output.FirstOrDefault()}'" : $"{Node.OpType} node '{Node.Name}'";

    /// <summary>Whether input <paramref name="index"/> is given (present and not an empty name).</summary>
    public bool HasInput(int index) => index < Node.Input.Count && Node.Input[index].Length > 0;

    /// <summary>Whether output <paramref name="index"/> is requested (present and not an empty name).</summary>
    public bool HasOutput(int index) => index < Node.Output.Count && Node.Output[index].Length > 0;

    public bool Has(string name) => _attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Get(name, AttributeType.Int) is { } a ? a.I : fallback;

    public float Float(string name, float fallback) => Get(name, AttributeType.Float) is { } a ? a.F : fallback;

    public string String(string name, string fallback) => Get(name, AttributeType.String) is { } a ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => Get(name, AttributeType.Ints)?.Ints.ToArray();

    public float[]? Floats(string name) => Get(name, AttributeType.Floats)?.Floats.ToArray();

    public TensorProto? Tensor(string name) => Get(name, AttributeType.Tensor)?.T;

    /// <summary>An error about this node's attributes or inputs (<see cref="ErrorCodes.InvalidGraph"/>).</summary>
    public ModelShieldException Invalid(string message) => new(ErrorCodes.InvalidGraph, $"{Display}: {message}");

    /// <summary>An error about a feature of this operator the executor does not implement.</summary>
    public ModelShieldException Unsupported(string feature) =>
        new(ErrorCodes.UnsupportedOperator, $"{Display}: {feature} is not supported by the lab's executor (docs/operator-support.md).");

    private AttributeProto? Get(string name, AttributeType type)
    {
        if (!_attributes.TryGetValue(name, out var attribute))
        {
            return null;
        }

        // Older writers leave the type unset; trust the field then.
        if (attribute.HasType && attribute.Type != type)
        {
            throw Invalid($"attribute '{name}' is {attribute.Type}, expected {type}.");
        }

        return attribute;
    }
}
