using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Constant: a tensor given by the value attribute, or (opset 12 on) by value_float(s) / value_int(s).
/// Built once when the graph is converted; sparse and string constants are not supported.
/// </summary>
internal sealed class Constant : OpConverter
{
    public override string OpType => "Constant";

    public override OpKernel Convert(NodeInfo node)
    {
        Tensor value;
        if (node.Tensor("value") is { } proto)
        {
            value = node.ToTensor(proto);
        }
        else if (node.Has("value_float"))
        {
            value = torch.tensor(node.Float("value_float", 0f));
        }
        else if (node.Floats("value_floats") is { } floats)
        {
            value = torch.tensor(floats);
        }
        else if (node.Has("value_int"))
        {
            value = torch.tensor(node.Int("value_int", 0));
        }
        else if (node.Ints("value_ints") is { } ints)
        {
            value = torch.tensor(ints);
        }
        else if (node.Has("sparse_value") || node.Has("value_string") || node.Has("value_strings"))
        {
            throw node.Unsupported("a sparse or string Constant");
        }
        else
        {
            throw node.Invalid("it has no value attribute.");
        }

        return (_, _) => [value.alias()];
    }
}
