using ModelShield.Onnx.Schema;
using ModelShield.Training.Architectures;
using ModelShield.Training.Executor;
using TorchSharp;
using static ModelShield.Training.Architectures.GraphBuilder;
using static TorchSharp.torch;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Training.Tests.Executor;

/// <summary>
/// Each converter against ONNX Runtime on seeded random inputs, within <see cref="TensorAssert.Atol"/> +
/// <see cref="TensorAssert.Rtol"/> * |expected|. Cases exercise the attributes that change the computation
/// (groups, pads, strides, dilations, auto_pad, ceil_mode, axes, old and new opsets).
/// </summary>
[TestClass]
public sealed class OrtParityTests
{
    private static readonly Dictionary<string, Func<(GraphBuilder Graph, Dictionary<string, Tensor> Inputs)>> Cases = new(StringComparer.Ordinal)
    {
        ["Gemm_TransB_Bias"] = () => Single("Gemm", [4, 5], g => [g.Initializer("b", Rand(3, 5), 3, 5), g.Initializer("c", Rand(3), 3)], Attr("transB", 1L)),
        ["Gemm_TransA_AlphaBeta_MatrixC"] = () => Single("Gemm", [5, 4], g => [g.Initializer("b", Rand(5, 3), 5, 3), g.Initializer("c", Rand(4, 3), 4, 3)], Attr("transA", 1L), Attr("alpha", 0.5f), Attr("beta", 2f)),
        ["Gemm_NoC"] = () => Single("Gemm", [4, 5], g => [g.Initializer("b", Rand(5, 2), 5, 2)]),
        ["MatMul_Batched"] = () => Single("MatMul", [2, 3, 4], g => [g.Initializer("b", Rand(4, 5), 4, 5)]),
        ["Add_Broadcast"] = () => Single("Add", [2, 3, 4], g => [g.Initializer("b", Rand(4), 4)]),
        ["Sub_Broadcast"] = () => Single("Sub", [2, 3, 4], g => [g.Initializer("b", Rand(3, 1), 3, 1)]),
        ["Mul_Broadcast"] = () => Single("Mul", [2, 3, 4], g => [g.Initializer("b", Rand(1, 4), 1, 4)]),
        ["Div_Broadcast"] = () => Single("Div", [2, 3, 4], g => [g.Initializer("b", Rand(4).Select(v => v + 2f).ToArray(), 4)]),
        ["Relu"] = () => Single("Relu", [3, 7], _ => []),
        ["LeakyRelu_Alpha"] = () => Single("LeakyRelu", [3, 7], _ => [], Attr("alpha", 0.2f)),
        ["Sigmoid"] = () => Single("Sigmoid", [3, 7], _ => []),
        ["Tanh"] = () => Single("Tanh", [3, 7], _ => []),
        ["Softmax_Opset11_Coerced"] = () => Single("Softmax", [2, 3, 4], _ => [], 11, Attr("axis", 1L)),
        ["Softmax_Opset13_Axis1"] = () => Single("Softmax", [2, 3, 4], _ => [], 13, Attr("axis", 1L)),
        ["LogSoftmax_Opset11_Coerced"] = () => Single("LogSoftmax", [2, 3, 4], _ => [], 11, Attr("axis", 1L)),
        ["LogSoftmax_Opset13_Default"] = () => Single("LogSoftmax", [2, 3, 4], _ => [], 13),
        ["Conv_Groups_Strides_Dilations_AsymmetricPads"] = () => Single("Conv", [2, 4, 9, 8], g => [g.Initializer("w", Rand(6, 2, 3, 3), 6, 2, 3, 3), g.Initializer("b", Rand(6), 6)], Attr("group", 2L), Ints("strides", 2L, 1L), Ints("dilations", 1L, 2L), Ints("pads", 1L, 0L, 0L, 2L)),
        ["Conv_SameUpper_NoBias"] = () => Single("Conv", [1, 3, 7, 7], g => [g.Initializer("w", Rand(4, 3, 2, 2), 4, 3, 2, 2)], Attr("auto_pad", "SAME_UPPER"), Ints("strides", 2L, 2L)),
        ["Conv_1D"] = () => Single("Conv", [2, 3, 10], g => [g.Initializer("w", Rand(5, 3, 3), 5, 3, 3), g.Initializer("b", Rand(5), 5)], Ints("pads", 1L, 1L), Ints("strides", 2L)),
        ["Conv_3D_Depthwise"] = () => Single("Conv", [1, 2, 5, 5, 5], g => [g.Initializer("w", Rand(2, 1, 3, 3, 3), 2, 1, 3, 3, 3)], Attr("group", 2L), Ints("pads", 1L, 1L, 1L, 1L, 1L, 1L)),
        ["MaxPool_Pads_CeilMode"] = () => Single("MaxPool", [2, 3, 9, 9], _ => [], Ints("kernel_shape", 3L, 3L), Ints("strides", 2L, 2L), Ints("pads", 1L, 1L, 1L, 1L), Attr("ceil_mode", 1L)),
        ["MaxPool_AsymmetricPads_Dilations"] = () => Single("MaxPool", [1, 2, 8, 8], _ => [], Ints("kernel_shape", 2L, 2L), Ints("dilations", 2L, 2L), Ints("pads", 0L, 1L, 1L, 0L)),
        ["MaxPool_1D_SameLower"] = () => Single("MaxPool", [2, 3, 11], _ => [], Ints("kernel_shape", 3L), Ints("strides", 2L), Attr("auto_pad", "SAME_LOWER")),
        ["AveragePool_Pads_ExcludePad"] = () => Single("AveragePool", [2, 3, 7, 7], _ => [], Ints("kernel_shape", 3L, 3L), Ints("strides", 2L, 2L), Ints("pads", 1L, 1L, 1L, 1L)),
        ["AveragePool_Pads_IncludePad"] = () => Single("AveragePool", [2, 3, 7, 7], _ => [], Ints("kernel_shape", 3L, 3L), Ints("pads", 1L, 0L, 1L, 2L), Attr("count_include_pad", 1L)),
        ["AveragePool_NoPads_CeilMode"] = () => Single("AveragePool", [1, 2, 8, 8], _ => [], Ints("kernel_shape", 3L, 3L), Ints("strides", 2L, 2L), Attr("ceil_mode", 1L)),
        ["GlobalAveragePool"] = () => Single("GlobalAveragePool", [2, 3, 5, 6], _ => []),
        ["BatchNormalization_Inference"] = () => Single("BatchNormalization", [2, 3, 4, 4], g => [g.Initializer("s", Rand(3), 3), g.Initializer("b", Rand(3), 3), g.Initializer("m", Rand(3), 3), g.Initializer("v", Rand(3).Select(v => v + 1.5f).ToArray(), 3)], Attr("epsilon", 1e-3f)),
        ["Flatten_Axis2"] = () => Single("Flatten", [2, 3, 4, 5], _ => [], Attr("axis", 2L)),
        ["Flatten_NegativeAxis"] = () => Single("Flatten", [2, 3, 4, 5], _ => [], Attr("axis", -1L)),
        ["Reshape_ZeroAndMinusOne"] = () => Single("Reshape", [2, 3, 4], g => [g.Initializer("shape", [0L, -1L, 2L], 3)]),
        ["Transpose_Perm"] = () => Single("Transpose", [2, 3, 4], _ => [], Ints("perm", 1L, 2L, 0L)),
        ["Transpose_Default"] = () => Single("Transpose", [2, 3, 4], _ => []),
        ["Concat_Axis1"] = () => Single("Concat", [2, 3, 4], g => [g.Initializer("b", Rand(2, 2, 4), 2, 2, 4)], Attr("axis", 1L)),
        ["Dropout_Inference"] = () => Single("Dropout", [3, 7], _ => []),
        ["Identity"] = () => Single("Identity", [3, 7], _ => []),
        ["Shape_Start"] = () => Single("Shape", [2, 3, 4], _ => [], 15, Attr("start", 1L)),
        ["Gather_Axis1_NegativeIndices"] = () => Single("Gather", [3, 4, 5], g => [g.Initializer("idx", [0L, -1L, 2L, 1L], 2, 2)], Attr("axis", 1L)),
        ["Unsqueeze_Opset13_Input"] = () => Single("Unsqueeze", [3, 4], g => [g.Initializer("axes", [0L, -1L], 2)], 13),
        ["Unsqueeze_Opset11_Attribute"] = () => Single("Unsqueeze", [3, 4], _ => [], 11, Ints("axes", 1L)),
        ["Squeeze_Opset13_Axes"] = () => Single("Squeeze", [3, 1, 4, 1], g => [g.Initializer("axes", [-1L], 1)], 13),
        ["Squeeze_AllOnes"] = () => Single("Squeeze", [1, 3, 1, 4], _ => []),
        ["Pad_Constant_NegativeCrops"] = () => Single("Pad", [2, 3, 5, 5], g => [g.Initializer("pads", [0L, 0L, 1L, -1L, 0L, 1L, 2L, 0L], 8), g.Initializer("value", [1.5f])]),
        ["Pad_Reflect"] = () => Single("Pad", [1, 2, 5, 5], g => [g.Initializer("pads", [0L, 0L, 2L, 1L, 0L, 0L, 1L, 2L], 8)], Attr("mode", "reflect")),
        ["Pad_Edge"] = () => Single("Pad", [1, 2, 5, 5], g => [g.Initializer("pads", [0L, 0L, 2L, 1L, 0L, 0L, 1L, 2L], 8)], Attr("mode", "edge")),
        ["Clip_Opset13_Relu6"] = () => Single("Clip", [3, 7], g => [g.Initializer("lo", [0f]), g.Initializer("hi", [0.5f])], 13),
        ["Clip_Opset13_OnlyMax"] = () => Single("Clip", [3, 7], g => ["", g.Initializer("hi", [0.25f])], 13),
        ["Clip_Opset6_Attributes"] = () => Single("Clip", [3, 7], _ => [], 6, Attr("min", -0.5f), Attr("max", 0.5f)),
        ["Constant_Value_Add"] = () =>
        {
            var g = new GraphBuilder("constant");
            var x = g.Input("x", 2, 3);
            var c = g.Op("Constant", [], Attr("value", Tensor("c", Rand(2, 3), 2, 3)));
            g.Node("Add", [x, c], ["y"]);
            g.OutputOfAnyShape("y");
            return (g, new() { ["x"] = Input(2, 3) });
        },
    };

    public static IEnumerable<object[]> CaseNames => Cases.Keys.Order(StringComparer.Ordinal).Select(k => new object[] { k });

    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void Run_RandomInputs_MatchesOnnxRuntime(string name)
    {
        using var scope = NewDisposeScope();
        var (graph, inputs) = Cases[name]();
        var model = graph.ToModel();
        using var module = OnnxModule.Create(model);
        module.eval();
        var actual = module.Run(inputs);
        var expected = OrtReference.Run(model.ToBytes(), inputs);
        foreach (var (output, value) in expected)
        {
            TensorAssert.Close(value, actual[output], $"{name} '{output}'");
        }
    }

    [TestMethod]
    public void Cases_CoverEveryRegisteredConverter()
    {
        var covered = Cases.Keys.Select(k => k.Split('_')[0]).ToHashSet(StringComparer.Ordinal);
        var missing = OpRegistry.Default.SupportedNames().Where(op => !covered.Contains(op)).ToList();
        Assert.IsEmpty(missing, "Converters without an ONNX Runtime parity case: " + string.Join(", ", missing));
    }

    private static (GraphBuilder, Dictionary<string, Tensor>) Single(string op, long[] shape, Func<GraphBuilder, string[]> extra, params AttributeProto[] attributes) =>
        Single(op, shape, extra, 17, attributes);

    private static (GraphBuilder, Dictionary<string, Tensor>) Single(string op, long[] shape, Func<GraphBuilder, string[]> extra, int opset, params AttributeProto[] attributes)
    {
        var g = new GraphBuilder(op, opset);
        var x = g.Input("x", shape);
        var others = extra(g);
        g.Node(op, [x, .. others], ["y"], null, attributes);
        g.OutputOfAnyShape("y", op == "Shape" ? DataType.Int64 : DataType.Float);
        return (g, new Dictionary<string, Tensor> { ["x"] = Input(shape) });
    }

    private static int _seed = 1;

    private static Tensor Input(params long[] shape)
    {
        var generator = new Generator((ulong)Interlocked.Increment(ref _seed));
        return torch.randn(shape, generator: generator);
    }

    private static float[] Rand(params long[] shape)
    {
        using var t = Input(shape);
        return t.data<float>().ToArray();
    }
}
