namespace ModelShield.Training.Executor.Converters;

/// <summary>MatMul: matrix product with numpy semantics (batched, broadcast batch dimensions, 1-D operands promoted).</summary>
internal sealed class MatMul : OpConverter
{
    public override string OpType => "MatMul";

    public override OpKernel Convert(NodeInfo node) => Binary(node, (a, b) => a.matmul(b));
}
