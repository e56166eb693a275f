using static TorchSharp.torch;

namespace ModelShield.Training.Executor;

/// <summary>Defaults shared by the converters of the default domain: ai.onnx, opsets 1 to <see cref="NewestOpset"/>.</summary>
internal abstract class OpConverter : IOpConverter
{
    /// <summary>The newest opset whose changes to the supported operators were checked (only type additions after 19).</summary>
    public const int NewestOpset = 23;

    public string Domain => string.Empty;

    public abstract string OpType { get; }

    public virtual int MinOpset => 1;

    public virtual int MaxOpset => NewestOpset;

    public abstract OpKernel Convert(NodeInfo node);

    /// <summary>Input <paramref name="index"/>, which the operator requires.</summary>
    protected static Tensor Required(Tensor?[] inputs, int index, NodeInfo node) =>
        index < inputs.Length && inputs[index] is { } t ? t : throw node.Invalid($"input {index} is required.");

    /// <summary>A kernel of one input and one output.</summary>
    protected static OpKernel Unary(NodeInfo node, Func<Tensor, Tensor> f) => (inputs, _) => [f(Required(inputs, 0, node))];

    /// <summary>A kernel of two inputs and one output.</summary>
    protected static OpKernel Binary(NodeInfo node, Func<Tensor, Tensor, Tensor> f) =>
        (inputs, _) => [f(Required(inputs, 0, node), Required(inputs, 1, node))];

    /// <summary>An axis made non-negative for a tensor of <paramref name="rank"/> dimensions.</summary>
    protected static long Axis(long axis, long rank, NodeInfo node) =>
        axis >= -rank && axis < rank ? (axis + rank) % rank : throw node.Invalid($"axis {axis} is outside a tensor of rank {rank}.");
}
