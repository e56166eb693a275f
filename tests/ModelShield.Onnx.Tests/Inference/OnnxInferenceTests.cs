using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Inference;
using ModelShield.Onnx.Schema;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;

namespace ModelShield.Onnx.Tests.Inference;

[TestClass]
public sealed class OnnxInferenceTests
{
    // Reference outputs were computed by other runtimes; float32 kernels differ in summation order.
    private const double Tolerance = 1e-4;

    public static IEnumerable<object[]> ReferenceCases() =>
    [
        ["pytorch-converted/test_Conv2d"],
        ["node/test_gemm_all_attributes"],
        ["node/test_batchnorm_example"],
        ["pytorch-converted/test_MaxPool2d"],
        ["pytorch-converted/test_Softmax"],
        ["pytorch-converted/test_LogSoftmax"],
        ["pytorch-converted/test_Embedding"],
        ["node/test_matmul_2d"],
        ["node/test_gemm_default_no_bias"],
        ["node/test_gather_0"],
        ["node/test_cast_FLOAT_to_FLOAT16"],
        ["node/test_argmax_default_axis_example"],
        ["node/test_and2d"],
        ["simple/test_expand_shape_model1"],
    ];

    [TestMethod]
    [DynamicData(nameof(ReferenceCases))]
    public void Run_OnnxTestDataCase_MatchesReferenceOutputs(string testCase)
    {
        OnnxTestData.RequireInstalled();
        var folder = OnnxTestData.Case(testCase);
        using var session = OnnxInference.FromFile(Path.Combine(folder, "model.onnx"));
        var dataSet = Path.Combine(folder, "test_data_set_0");
        var inputs = Directory.GetFiles(dataSet, "input_*.pb").Order(StringComparer.Ordinal)
            .Select((path, i) => NamedTensor.FromProto(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path))) with { Name = session.Inputs[i].Name })
            .ToList();
        var expected = Directory.GetFiles(dataSet, "output_*.pb").Order(StringComparer.Ordinal)
            .Select(path => NamedTensor.FromProto(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path))))
            .ToList();

        var actual = session.Run(inputs);

        Assert.HasCount(expected.Count, actual);
        for (var i = 0; i < expected.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i].Shape, actual[i].Shape, $"output {i} shape");
            Assert.AreEqual(expected[i].ElementType, actual[i].ElementType);
            var e = ToDoubles(expected[i].Data);
            var a = ToDoubles(actual[i].Data);
            for (var j = 0; j < e.Length; j++)
            {
                Assert.AreEqual(e[j], a[j], Tolerance * Math.Max(1, Math.Abs(e[j])), $"output {i} element {j}");
            }
        }
    }

    [TestMethod]
    public void FromBytes_TinyMlp_DescribesSignatureWithSymbolicBatch()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());

        Assert.AreEqual("input", session.Inputs[0].Name);
        CollectionAssert.AreEqual(new[] { "batch", "8" }, session.Inputs[0].Dimensions.ToArray());
        Assert.AreEqual("float32", session.Outputs[0].ElementType);
    }

    [TestMethod]
    public void RunFloat_TinyMlp_RowsAreProbabilities()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        var batch = TinyModels.Random(new Random(3), 3 * 8, 1);

        var output = session.RunFloat(batch, 3, 8).AsFloats();

        Assert.HasCount(12, output);
        for (var row = 0; row < 3; row++)
        {
            Assert.AreEqual(1.0, output.Skip(row * 4).Take(4).Sum(), 1e-5);
        }
    }

    [TestMethod]
    public void FromFile_ExternalData_RunsSameAsInline()
    {
        using var temp = new TempFolder();
        var path = TinyModels.WriteWithExternalData(temp.Path);
        using var inline = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());
        using var external = OnnxInference.FromFile(path);
        var batch = TinyModels.Random(new Random(5), 8, 1);

        CollectionAssert.AreEqual(inline.RunFloat(batch, 1, 8).AsFloats(), external.RunFloat(batch, 1, 8).AsFloats());
    }

    [TestMethod]
    public void FromFile_UnsafeExternalData_RefusedBeforeOnnxRuntimeReads()
    {
        using var temp = new TempFolder();
        var proto = TinyModels.Mlp();
        var tensor = proto.Graph.Initializer[0];
        TinyModels.PointAtExternal(tensor, "../../../../etc/passwd");
        var path = TinyModels.Write(proto, temp.File("m.onnx"));

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxInference.FromFile(path));

        Assert.AreEqual(ErrorCodes.UnsafeExternalDataPath, ex.Code);
    }

    [TestMethod]
    public void FromBytes_ModelWithExternalData_Refused()
    {
        using var temp = new TempFolder();
        var path = TinyModels.WriteWithExternalData(temp.Path);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxInference.FromBytes(File.ReadAllBytes(path)));

        Assert.AreEqual(ErrorCodes.ExternalDataWithoutFolder, ex.Code);
    }

    [TestMethod]
    public void Run_UnknownInputName_ThrowsInputMismatchListingInputs()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => session.Run([NamedTensor.OfSingles("x", new float[8], 1, 8)]));

        Assert.AreEqual(ErrorCodes.InferenceInputMismatch, ex.Code);
        StringAssert.Contains(ex.Message, "input");
    }

    [TestMethod]
    public void Run_WrongShape_ThrowsInferenceFailed()
    {
        using var session = OnnxInference.FromBytes(TinyModels.Mlp().ToByteArray());

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => session.RunFloat(new float[6], 1, 6));

        Assert.AreEqual(ErrorCodes.InferenceFailed, ex.Code);
    }

    [TestMethod]
    public void FromBytes_GraphOnnxRuntimeRejects_ThrowsInferenceFailed()
    {
        var proto = TinyModels.Mlp();
        proto.Graph.Node[0].OpType = "NoSuchOperator";

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => OnnxInference.FromBytes(proto.ToByteArray()));

        Assert.AreEqual(ErrorCodes.InferenceFailed, ex.Code);
    }

    private static double[] ToDoubles(Array data) => data switch
    {
        Half[] h => h.Select(v => (double)v).ToArray(),
        bool[] b => b.Select(v => v ? 1.0 : 0.0).ToArray(),
        _ => data.Cast<object>().Select(v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
    };
}
