using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Training.Executor;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Executor;

/// <summary>Models written by PyTorch's ONNX exporter (ONNX's pytorch-converted and pytorch-operator test data).</summary>
[TestClass]
public sealed class PytorchExportTests
{
    private static readonly string[] Folders = ["pytorch-converted", "pytorch-operator"];

    [TestMethod]
    public void Run_EveryExportedModelOfSupportedOps_MatchesReferenceOutputs()
    {
        var root = Path.GetDirectoryName(LabTestData.OnnxNodeTests)!;
        if (!Directory.Exists(root))
        {
            Assert.Inconclusive("libonnx-testdata is not installed.");
        }

        var supported = OpRegistry.Default.SupportedNames().ToHashSet(StringComparer.Ordinal);
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var dir in Folders.SelectMany(f => Directory.EnumerateDirectories(Path.Combine(root, f))).Order(StringComparer.Ordinal))
        {
            var model = OnnxModel.Load(Path.Combine(dir, "model.onnx"));
            if (!model.Graph.Node.All(n => supported.Contains(n.OpType)))
            {
                Assert.ThrowsExactly<ModelShieldException>(() => OnnxModule.Create(model).Dispose());
                continue;
            }

            try
            {
                NodeTestData.Check(dir);
                checkedCount++;
            }
            catch (Exception ex) when (ex is ModelShieldException or AssertFailedException)
            {
                failures.Add($"{Path.GetFileName(dir)}: {ex.Message}");
            }
        }

        Assert.IsEmpty(failures, string.Join("\n", failures));
        Assert.IsGreaterThanOrEqualTo(40, checkedCount);
    }

    [TestMethod]
    public void Train_PytorchExportedConv_WrittenBackWeightsRunInOrtLikeTheExecutor()
    {
        var dir = Path.Combine(Path.GetDirectoryName(LabTestData.OnnxNodeTests)!, "pytorch-converted", "test_Conv2d");
        if (!Directory.Exists(dir))
        {
            Assert.Inconclusive("libonnx-testdata is not installed.");
        }

        var model = OnnxModel.Load(Path.Combine(dir, "model.onnx"));
        using var scope = NewDisposeScope();
        using var module = OnnxModule.Create(model);
        var generator = new Generator(7);
        var shape = model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue).ToArray();
        var x = torch.randn(shape, generator: generator);
        var before = module.forward(x).detach().clone();
        var target = torch.randn(before.shape, generator: generator);
        var optimizer = optim.Adam(module.parameters(), 0.01);
        module.train();
        for (var step = 0; step < 5; step++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(module.forward(x), target);
            loss.backward();
            optimizer.step();
        }

        module.eval();
        var after = module.forward(x).detach();
        Assert.IsGreaterThan(1e-3, (after - before).abs().max().item<float>(), "Training changed nothing.");

        var copy = OnnxModel.Load(Path.Combine(dir, "model.onnx"));
        module.WriteWeightsTo(copy);
        var path = Path.Combine(LabTestData.NewTempFolder(), "trained.onnx");
        copy.Save(path);
        var ort = OrtReference.Run(File.ReadAllBytes(path), new Dictionary<string, Tensor> { [module.InputNames[0]] = x });
        TensorAssert.Close(ort[module.OutputNames[0]], after, "ORT on the written-back model");
    }
}
