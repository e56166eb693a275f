using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Training.Executor;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Executor;

/// <summary>ONNX's node test cases (Debian libonnx-testdata): model.onnx with one node and test_data_set_0/input_N.pb, output_N.pb.</summary>
internal static class NodeTestData
{
    public static bool Available => Directory.Exists(LabTestData.OnnxNodeTests);

    /// <summary>The test folders whose graph consists only of nodes of <paramref name="opType"/>.</summary>
    public static IEnumerable<string> CasesOf(string opType)
    {
        foreach (var dir in Directory.EnumerateDirectories(LabTestData.OnnxNodeTests).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, "model.onnx");
            if (!File.Exists(path))
            {
                continue;
            }

            var graph = OnnxModel.Load(path).Graph;
            // Sequence- and optional-typed cases (e.g. test_identity_sequence) are outside the executor's tensor world.
            var tensorsOnly = graph.Input.Concat(graph.Output).All(v => v.Type?.TensorType is not null);
            if (tensorsOnly && graph.Node.Count > 0 && graph.Node.All(n => n.OpType == opType && n.Domain is "" or "ai.onnx"))
            {
                yield return dir;
            }
        }
    }

    /// <summary>Runs a case through the executor and compares every output with the reference.</summary>
    public static void Check(string dir)
    {
        var model = OnnxModel.Load(Path.Combine(dir, "model.onnx"));
        using var scope = NewDisposeScope();
        using var module = OnnxModule.Create(model);
        module.eval();
        var set = Path.Combine(dir, "test_data_set_0");
        var inputs = new Dictionary<string, Tensor>();
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToList();
        for (var i = 0; File.Exists(Path.Combine(set, $"input_{i}.pb")); i++)
        {
            var proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(set, $"input_{i}.pb")));
            var name = string.IsNullOrEmpty(proto.Name) ? graphInputs[i] : proto.Name;
            inputs[name] = TensorConversion.ToTorch(model, proto);
        }

        var outputs = module.Run(inputs);
        for (var i = 0; i < model.Graph.Output.Count; i++)
        {
            var proto = TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(set, $"output_{i}.pb")));
            var name = model.Graph.Output[i].Name;
            TensorAssert.Close(TensorConversion.ToTorch(model, proto), outputs[name], $"{Path.GetFileName(dir)} output '{name}'", atol: 1e-5, rtol: 1e-3);
        }
    }
}
