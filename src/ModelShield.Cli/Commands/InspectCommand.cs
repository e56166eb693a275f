using System.Globalization;
using Cocona;
using ModelShield.Cli.Output;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Inspection;

namespace ModelShield.Cli.Commands;

/// <summary><c>modelshield inspect</c>: what a model file holds.</summary>
internal sealed class InspectCommand(CliOutput output)
{
    [Command("inspect", Description =
        "Show what an ONNX model holds: producer, IR version, opsets, inputs and outputs, parameters, " +
        "bytes per data type, largest tensors, external data, metadata, and the SHA-256 of every file.\n" +
        "Example: modelshield inspect models/cnn/model.onnx --json")]
    public int Inspect(
        [Argument(Description = "The .onnx file to inspect")] string model,
        [Option(Description = "Print one JSON document (schema: docs/inspect-json.md)")] bool json = false)
    {
        _ = json; // read by CliOutput, which serves every command
        var inspection = ModelInspector.Inspect(OnnxModel.Load(model));
        output.Result(inspection, w => Render(w, inspection));
        return CliApp.ExitOk;
    }

    private static void Render(TextWriter w, ModelInspection m)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"Model        {m.Path}");
        w.WriteLine($"Producer     {Or(m.ProducerName)} {m.ProducerVersion}".TrimEnd());
        w.WriteLine($"IR version   {m.IrVersion}");
        w.WriteLine($"Opsets       {string.Join(", ", m.Opsets.Select(o => $"{o.Domain} {o.Version}"))}");
        w.WriteLine($"Nodes        {m.NodeCount} ({string.Join(", ", m.OperatorCounts.Take(8).Select(p => $"{p.Key} {p.Value}"))}{(m.OperatorCounts.Count > 8 ? ", ..." : "")})");
        w.WriteLine($"Parameters   {m.ParameterCount.ToString("N0", ci)} in {m.InitializerCount} initializers");
        w.WriteLine("Inputs");
        TextTable.Write(w, ["name", "type", "shape"], m.Inputs.Select(i => (IReadOnlyList<string>)[i.Name, i.Type, Shape(i.Shape)]));
        w.WriteLine("Outputs");
        TextTable.Write(w, ["name", "type", "shape"], m.Outputs.Select(i => (IReadOnlyList<string>)[i.Name, i.Type, Shape(i.Shape)]));
        if (m.BytesByType.Count > 0)
        {
            w.WriteLine("Bytes by type");
            TextTable.Write(w, ["type", "bytes"], m.BytesByType.Select(p => (IReadOnlyList<string>)[p.Key, p.Value.ToString("N0", ci)]));
        }

        if (m.LargestTensors.Count > 0)
        {
            w.WriteLine("Largest tensors");
            TextTable.Write(w, ["name", "type", "shape", "elements", "bytes", "stored"], m.LargestTensors.Select(t => (IReadOnlyList<string>)
                [t.Name, t.ElementType, $"[{string.Join(", ", t.Shape)}]", t.Elements.ToString("N0", ci), t.Bytes.ToString("N0", ci), t.External ? "external" : "inline"]));
        }

        if (m.Metadata.Count > 0)
        {
            w.WriteLine("Metadata");
            TextTable.Write(w, ["key", "value"], m.Metadata.Select(p => (IReadOnlyList<string>)[p.Key, p.Value]));
        }

        w.WriteLine("Files");
        TextTable.Write(w, ["path", "bytes", "sha256"], m.Files.Select(f => (IReadOnlyList<string>)[f.Path, f.Bytes.ToString("N0", ci), f.Sha256]));
    }

    private static string Shape(IReadOnlyList<string> shape) => $"[{string.Join(", ", shape)}]";

    private static string Or(string value) => value.Length == 0 ? "(unknown)" : value;
}
