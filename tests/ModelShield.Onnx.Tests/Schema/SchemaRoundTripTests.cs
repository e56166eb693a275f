using Google.Protobuf;
using ModelShield.Onnx.Schema;
using ModelShield.Testing.Files;

namespace ModelShield.Onnx.Tests.Schema;

/// <summary>Proof that the project's schema describes ONNX exactly: all of ONNX's test data re-serializes byte for byte.</summary>
[TestClass]
public sealed class SchemaRoundTripTests
{
    [TestMethod]
    public void ModelProto_EveryTestDataModel_ReserializesByteIdentically()
    {
        OnnxTestData.RequireInstalled();
        var models = OnnxTestData.AllModels();
        var failures = models.Where(path => !RoundTrips(File.ReadAllBytes(path), ModelProto.Parser)).ToList();
        Assert.IsGreaterThanOrEqualTo(1000, models.Count, "the package ships over a thousand models");
        Assert.IsEmpty(failures, string.Join('\n', failures.Take(20)));
    }

    [TestMethod]
    public void TensorAndSequenceProto_EveryTestDataFile_ReserializesByteIdentically()
    {
        OnnxTestData.RequireInstalled();
        var files = OnnxTestData.AllTensorFiles();
        var failures = new List<string>();
        var sequences = 0;
        foreach (var path in files)
        {
            var bytes = File.ReadAllBytes(path);
            // A test-data .pb holds a TensorProto, or a SequenceProto / OptionalProto for non-tensor values;
            // the file does not say which, so the test takes the model's declared type.
            var kind = DeclaredKind(path);
            var ok = kind switch
            {
                TypeProto.ValueOneofCase.SequenceType => RoundTrips(bytes, SequenceProto.Parser),
                TypeProto.ValueOneofCase.OptionalType => RoundTrips(bytes, OptionalProto.Parser),
                TypeProto.ValueOneofCase.MapType => RoundTrips(bytes, MapProto.Parser),
                _ => RoundTrips(bytes, TensorProto.Parser),
            };
            sequences += kind == TypeProto.ValueOneofCase.SequenceType ? 1 : 0;
            if (!ok)
            {
                failures.Add(path);
            }
        }

        Assert.IsGreaterThanOrEqualTo(3000, files.Count);
        Assert.IsGreaterThan(0, sequences, "some test values are sequences");
        Assert.IsEmpty(failures, string.Join('\n', failures.Take(20)));
    }

    private static bool RoundTrips<T>(byte[] bytes, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var message = parser.ParseFrom(bytes);
        return message.ToByteArray().AsSpan().SequenceEqual(bytes);
    }

    private static TypeProto.ValueOneofCase DeclaredKind(string pbPath)
    {
        var caseFolder = Path.GetDirectoryName(Path.GetDirectoryName(pbPath))!;
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(caseFolder, "model.onnx")));
        var name = Path.GetFileNameWithoutExtension(pbPath); // input_3 or output_0
        var index = int.Parse(name[(name.IndexOf('_', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var initializers = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        var values = name.StartsWith("input", StringComparison.Ordinal)
            ? model.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToList()
            : model.Graph.Output.ToList();
        return index < values.Count ? values[index].Type?.ValueCase ?? TypeProto.ValueOneofCase.None : TypeProto.ValueOneofCase.None;
    }
}
