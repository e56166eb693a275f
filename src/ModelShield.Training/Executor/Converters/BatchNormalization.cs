using TorchSharp;

namespace ModelShield.Training.Executor.Converters;

/// <summary>
/// BatchNormalization (opset 6 on; spatial = 0 of opsets 6-8 is refused) over dimension 1. In evaluation it normalises with the running
/// statistics. In training (the module's mode, or the training_mode attribute of opset 14) it normalises
/// with the batch's mean and population variance, and the running statistics follow ONNX's rule
/// running = running * momentum + batch * (1 - momentum): returned as outputs 1 and 2 when the node
/// asks for them, otherwise updated in place (how the lab trains BatchNorm models).
/// </summary>
internal sealed class BatchNormalization : OpConverter
{
    public override string OpType => "BatchNormalization";

    public override int MinOpset => 6;

    public override OpKernel Convert(NodeInfo node)
    {
        var epsilon = node.Float("epsilon", 1e-5f);
        var momentum = node.Float("momentum", 0.9f);
        var trainingMode = node.Opset >= 14 && node.Int("training_mode", 0) != 0;
        var statisticsOut = node.HasOutput(1) || node.HasOutput(2);
        if (node.Opset < 9 && node.Int("spatial", 1) == 0)
        {
            throw node.Unsupported("BatchNormalization with spatial = 0 (statistics per activation)");
        }

        return (inputs, training) =>
        {
            var x = Required(inputs, 0, node);
            var scale = Required(inputs, 1, node);
            var bias = Required(inputs, 2, node);
            var mean = Required(inputs, 3, node);
            var variance = Required(inputs, 4, node);
            var batchStatistics = training || trainingMode;
            if (!statisticsOut)
            {
                // TorchSharp's momentum weighs the new batch, ONNX's the running value.
                return [torch.nn.functional.batch_norm(x, mean, variance, scale, bias, batchStatistics, 1.0 - momentum, epsilon)];
            }

            if (!batchStatistics)
            {
                return [torch.nn.functional.batch_norm(x, mean, variance, scale, bias, false, 0, epsilon), mean.alias(), variance.alias()];
            }

            var dims = Enumerable.Range(0, (int)x.dim()).Where(d => d != 1).Select(d => (long)d).ToArray();
            var batchMean = x.mean(dims);
            var batchVariance = x.var(dims, unbiased: false);
            var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
            shape[1] = -1;
            // Named scalars stay reachable until the native calls that read them have returned (see ParameterUpdate).
            using var offset = epsilon.ToScalar();
            using var keep = momentum.ToScalar();
            using var take = (1 - momentum).ToScalar();
            var one = PinnedScalars.One;
            var y = ((x - batchMean.reshape(shape)) / batchVariance.reshape(shape).add(offset, one).sqrt() * scale.reshape(shape)).add(bias.reshape(shape), one);
            return [y, (mean * keep).add(batchMean * take, one), (variance * keep).add(batchVariance * take, one)];
        };
    }
}
