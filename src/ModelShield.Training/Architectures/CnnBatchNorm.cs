using ModelShield.Onnx.Schema;

namespace ModelShield.Training.Architectures;

/// <summary>The CNN with BatchNormalization after each convolution (and no dropout).</summary>
internal sealed class CnnBatchNorm : IArchitecture
{
    public string Id => "cnn-bn";

    public string Description => "CNN with BatchNorm: conv3x3(32)-bn-relu-maxpool, conv3x3(64)-bn-relu-maxpool, fc(128)-relu, fc(10)";

    public ModelProto Build(int seed, int height = 28, int width = 28, int classes = 10) =>
        new LayerStack("cnn-bn", seed, [1, height, width])
            .Conv("conv1", 32, 3, 1).BatchNorm("bn1").Relu("relu1").MaxPool("pool1", 2)
            .Conv("conv2", 64, 3, 1).BatchNorm("bn2").Relu("relu2").MaxPool("pool2", 2)
            .Flatten("flatten")
            .Linear("fc1", 128).Relu("relu3")
            .Linear("fc2", classes, output: true)
            .Build(Id, seed);
}
