using static TorchSharp.torch;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// Reshape (opset 5 on: the shape is the second input). A 0 copies the input's dimension at that
/// position unless allowzero (opset 14) is set; one -1 is inferred.
/// </summary>
internal sealed class Reshape : OpConverter
{
    public override string OpType => "Reshape";

    public override int MinOpset => 5;

    public override OpKernel Convert(NodeInfo node)
    {
        var allowZero = node.Int("allowzero", 0) != 0;
        return (inputs, _) =>
        {
            var x = Required(inputs, 0, node);
            var shape = TensorConversion.ToInt64s(Required(inputs, 1, node));
            for (var i = 0; i < shape.Length; i++)
            {
                if (shape[i] == 0 && !allowZero)
                {
                    shape[i] = i < x.dim() ? x.shape[i] : throw node.Invalid($"shape has 0 at position {i}, past the input's rank {x.dim()}.");
                }
            }

            return [x.reshape(shape)];
        };
    }
}
