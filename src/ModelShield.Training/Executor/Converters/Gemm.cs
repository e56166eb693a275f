using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Gemm: Y = alpha * op(A) * op(B) + beta * C with op = optional transpose and C broadcast to the result
/// (C optional from opset 11). The common exporter form (transB = 1, alpha = beta = 1) runs as one fused linear call.
/// </summary>
internal sealed class Gemm : OpConverter
{
    public override string OpType => "Gemm";

    public override OpKernel Convert(NodeInfo node)
    {
        var alpha = node.Float("alpha", 1f);
        var beta = node.Float("beta", 1f);
        var transA = node.Int("transA", 0) != 0;
        var transB = node.Int("transB", 0) != 0;
        return (inputs, _) =>
        {
            var a = Required(inputs, 0, node);
            var b = Required(inputs, 1, node);
            var c = inputs.Length > 2 ? inputs[2] : null;
            if (a.dim() != 2 || b.dim() != 2)
            {
                throw node.Invalid($"A and B must be matrices (ranks {a.dim()} and {b.dim()}).");
            }

            if (!transA && transB && alpha == 1f && beta == 1f && (c is null || c.dim() <= 1))
            {
                return [nn.functional.linear(a, b, c)];
            }

            var product = (transA ? a.t() : a).matmul(transB ? b.t() : b);
            if (alpha != 1f)
            {
                using var scale = alpha.ToScalar();
                product = product * scale;
            }

            if (c is not null)
            {
                using var weight = beta.ToScalar();
                product = product.add(c, weight);
            }

            return [product];
        };
    }
}
