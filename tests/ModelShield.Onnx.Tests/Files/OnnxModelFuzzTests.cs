using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Inference;
using ModelShield.Onnx.Inspection;
using ModelShield.Onnx.Tensors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Fuzzing;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Files;

/// <summary>
/// Mutated models (bytes and protobuf fields: duplicated, removed, inflated lengths, extreme dims, hostile
/// external-data locations) go through everything that reads an untrusted .onnx without running it: parsing,
/// the external-data scan, inspection and reading every tensor.
/// </summary>
[TestClass]
public sealed class OnnxModelFuzzTests
{
    private static readonly string[] ModelCodes =
    [
        ErrorCodes.MalformedModel, ErrorCodes.ModelTooLarge, ErrorCodes.ModelTooDeep, ErrorCodes.ModelWithoutGraph,
        ErrorCodes.UnsafeExternalDataPath, ErrorCodes.ExternalDataMissing, ErrorCodes.ExternalDataOutOfRange, ErrorCodes.ExternalDataWithoutFolder,
        ErrorCodes.UnsupportedTensorType, ErrorCodes.TensorDataMismatch,
    ];

    [TestMethod]
    public void ParseInspectRead_MutatedModels_SucceedOrThrowModelCodes()
    {
        using var folder = new TempFolder();
        var inline = TinyModels.Mlp().ToByteArray();
        var external = File.ReadAllBytes(TinyModels.WriteWithExternalData(folder.Path));

        var run = new FuzzRun("ONNX model", seed: 2001, ModelCodes).Run(
            2000,
            random =>
            {
                var original = random.Next(2) == 0 ? inline : external;
                return random.Next(2) == 0 ? ProtobufMutations.Mutate(random, original) : ByteMutations.Mutate(random, original);
            },
            mutant => ReadEverything(mutant.Bytes, folder.Path));

        run.AssertClean();
        Assert.IsGreaterThan(100, run.Count("read"), "Enough mutants stay readable to reach the tensor readers.");
    }

    [TestMethod]
    public void OpenAndRun_MutatedModels_SucceedOrThrowModelOrRuntimeCodes()
    {
        var model = TinyModels.Mlp().ToByteArray();
        var row = new float[8];

        var run = new FuzzRun("ONNX model in ONNX Runtime", seed: 2002, [.. ModelCodes, ErrorCodes.InferenceFailed, ErrorCodes.InferenceInputMismatch]).Run(
            600,
            random => random.Next(2) == 0 ? ProtobufMutations.Mutate(random, model) : ByteMutations.Mutate(random, model),
            mutant =>
            {
                using var session = OnnxInference.FromBytes(mutant.Bytes);
                _ = session.Run([NamedTensor.OfSingles(session.Inputs[0].Name, row, [1, 8])]);
                return "ran";
            });

        run.AssertClean();
    }

    private static string ReadEverything(byte[] bytes, string folder)
    {
        var model = OnnxModel.Parse(bytes, folder);
        _ = ExternalDataReferences.Tensors(bytes, "mutant");
        _ = ModelInspector.Inspect(model);
        foreach (var tensor in model.AllTensors())
        {
            _ = TensorData.ReadAsSingle(model, tensor);
        }

        return "read";
    }
}
