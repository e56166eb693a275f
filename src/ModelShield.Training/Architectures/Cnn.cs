using ModelShield.Onnx.Schema;

namespace ModelShield.Training.Architectures;

/// <summary>CNN: two 3x3 convolutions (32, 64 channels) each with ReLU and 2x2 max pooling, a 128-unit layer, dropout, 10 outputs.</summary>
internal sealed class Cnn : IArchitecture
{
    public string Id => "cnn";

    public string Description => "CNN: conv3x3(32)-relu-maxpool, conv3x3(64)-relu-maxpool, fc(128)-relu, dropout(0.3), fc(10)";

    public ModelProto Build(int seed, int height = 28, int width = 28, int classes = 10) =>
        new LayerStack("cnn", seed, [1, height, width])
            .Conv("conv1", 32, 3, 1).Relu("relu1").MaxPool("pool1", 2)
            .Conv("conv2", 64, 3, 1).Relu("relu2").MaxPool("pool2", 2)
            .Flatten("flatten")
            .Linear("fc1", 128).Relu("relu3")
            .Dropout("dropout", 0.3f)
            .Linear("fc2", classes, output: true)
            .Build(Id, seed);
}
