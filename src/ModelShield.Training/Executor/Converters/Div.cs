using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>Div: element-wise quotient with broadcasting (opset 7 on); integer division truncates toward zero as in ONNX.</summary>
internal sealed class Div : OpConverter
{
    public override string OpType => "Div";

    public override int MinOpset => 7;

    public override OpKernel Convert(NodeInfo node) =>
        Binary(node, (a, b) => a.is_floating_point() ? a / b : a.div(b, RoundingMode.trunc));
}
