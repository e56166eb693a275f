using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>Div: element-wise quotient with broadcasting (legacy broadcast attribute before opset 7, see Elementwise); integer division truncates toward zero as in ONNX.</summary>
internal sealed class Div : OpConverter
{
    public override string OpType => "Div";

    public override OpKernel Convert(NodeInfo node) =>
        Elementwise.Binary(node, (a, b) => a.is_floating_point() ? a / b : a.div(b, RoundingMode.trunc));
}
