using ModelShield.Onnx.Files;
using ModelShield.Training.Architectures;
using ModelShield.Training.Executor;
using TorchSharp;
using static ModelShield.Training.Architectures.GraphBuilder;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Executor;

/// <summary>A ResNet / MobileNet-style graph (residual Add, depthwise and pointwise Conv, BatchNorm, Clip as ReLU6, global pooling) runs, trains and round-trips.</summary>
[TestClass]
public sealed class ResidualGraphTests
{
    [TestMethod]
    public void Train_ResidualDepthwiseBlock_MatchesOrtBeforeAndAfterTraining()
    {
        var model = Build();
        using var scope = NewDisposeScope();
        using var module = OnnxModule.Create(model);
        var generator = new Generator(5);
        var x = torch.randn([16, 3, 8, 8], generator: generator);
        var labels = torch.randint(0, 4, [16], generator: generator);

        module.eval();
        TensorAssert.Close(OrtReference.Run(model.ToBytes(), new Dictionary<string, Tensor> { ["x"] = x })["y"], module.forward(x), "before training");

        var optimizer = optim.Adam(module.parameters(), 0.01);
        var losses = new List<float>();
        module.train();
        for (var step = 0; step < 20; step++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(module.forward(x), labels);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }

        Assert.IsLessThan(losses[0] * 0.8f, losses[^1], $"The loss must fall ({losses[0]:0.000} -> {losses[^1]:0.000}).");
        module.WriteWeightsTo(model);
        module.eval();
        var path = Path.Combine(LabTestData.NewTempFolder(), "block.onnx");
        model.Save(path);
        TensorAssert.Close(OrtReference.Run(File.ReadAllBytes(path), new Dictionary<string, Tensor> { ["x"] = x })["y"], module.forward(x), "after training", atol: 1e-4, rtol: 1e-4);
    }

    private static OnnxModel Build()
    {
        var g = new GraphBuilder("residual", opset: 13);
        using var generator = new Generator(3);
        float[] R(params long[] shape) => (torch.randn(shape, generator: generator) * 0.3f).data<float>().ToArray();
        string Bn(string name, string input, long c) => g.Op(
            "BatchNormalization",
            [input, g.Initializer($"{name}.s", R(c).Select(v => 1 + v).ToArray(), c), g.Initializer($"{name}.b", R(c), c), g.Initializer($"{name}.m", R(c), c), g.Initializer($"{name}.v", R(c).Select(v => 1 + Math.Abs(v)).ToArray(), c)]);

        var x = g.Input("x", -1, 3, 8, 8);
        var stem = g.Op("Relu", [Bn("bn0", g.Op("Conv", [x, g.Initializer("c0", R(8, 3, 3, 3), 8, 3, 3, 3)], Ints("pads", 1, 1, 1, 1)), 8)]);
        var depthwise = g.Op("Conv", [stem, g.Initializer("dw", R(8, 1, 3, 3), 8, 1, 3, 3)], Attr("group", 8L), Ints("pads", 1, 1, 1, 1));
        var relu6 = g.Op("Clip", [Bn("bn1", depthwise, 8), g.Initializer("zero", [0f]), g.Initializer("six", [6f])]);
        var pointwise = Bn("bn2", g.Op("Conv", [relu6, g.Initializer("pw", R(8, 8, 1, 1), 8, 8, 1, 1), g.Initializer("pwb", R(8), 8)]), 8);
        var residual = g.Op("Relu", [g.Op("Add", [pointwise, stem])]);
        var pooled = g.Op("Flatten", [g.Op("GlobalAveragePool", [residual])]);
        g.Node("Gemm", [pooled, g.Initializer("fc", R(4, 8), 4, 8), g.Initializer("fcb", R(4), 4)], ["y"], null, Attr("transB", 1L));
        g.Output("y", -1, 4);
        return g.ToModel();
    }
}
