using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Training.Architectures;

/// <summary>
/// Builds ONNX models in code: typed inputs and outputs (a negative dimension becomes the symbolic
/// batch dimension "N"), initializers, and nodes with attributes. Used for the lab's architectures
/// and for operator tests.
/// </summary>
internal sealed class GraphBuilder
{
    private readonly GraphProto _graph;
    private readonly int _opset;
    private int _counter;

    public GraphBuilder(string name, int opset = 17)
    {
        _graph = new GraphProto { Name = name };
        _opset = opset;
    }

    public string Input(string name, DataType type, params long[] shape)
    {
        _graph.Input.Add(ValueInfo(name, type, shape));
        return name;
    }

    public string Input(string name, params long[] shape) => Input(name, DataType.Float, shape);

    public void Output(string name, DataType type, params long[] shape) => _graph.Output.Add(ValueInfo(name, type, shape));

    public void Output(string name, params long[] shape) => Output(name, DataType.Float, shape);

    /// <summary>Declares an output by element type only (rank and shape left to the runtime).</summary>
    public void OutputOfAnyShape(string name, DataType type = DataType.Float) => _graph.Output.Add(ValueInfo(name, type, null));

    public string Initializer(string name, float[] values, params long[] dims) =>
        AddInitializer(name, DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public string Initializer(string name, long[] values, params long[] dims) =>
        AddInitializer(name, DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    /// <summary>Adds a node and returns the names of its outputs (generated from the op type unless given).</summary>
    public string[] Node(string opType, IEnumerable<string> inputs, string[]? outputs = null, string? name = null, params AttributeProto[] attributes)
    {
        _counter++;
        var nodeName = name ?? $"{opType.ToLowerInvariant()}_{_counter}";
        outputs ??= [nodeName + "_out"];
        var node = new NodeProto { OpType = opType, Name = nodeName };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Adds a one-output node and returns its output's name.</summary>
    public string Op(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes) => Node(opType, inputs, null, null, attributes)[0];

    public ModelProto Build(IEnumerable<(string Key, string Value)>? metadata = null)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "ModelShield",
            ProducerVersion = typeof(GraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = _opset });
        foreach (var (key, value) in metadata ?? [])
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    /// <summary>The built model as an <see cref="OnnxModel"/> with no folder (all data inline).</summary>
    public OnnxModel ToModel() => OnnxModel.Parse(Build().ToByteArray(), null);

    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>An ints attribute (a separate name, so that one value is never taken for an int attribute).</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Attr(string name, TensorProto value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };

    public static TensorProto Tensor(string name, float[] values, params long[] dims) =>
        MakeTensor(name, DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    public static TensorProto Tensor(string name, long[] values, params long[] dims) =>
        MakeTensor(name, DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), dims);

    private string AddInitializer(string name, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        _graph.Initializer.Add(MakeTensor(name, type, bytes, dims));
        return name;
    }

    private static TensorProto MakeTensor(string name, DataType type, ReadOnlySpan<byte> bytes, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, long[]? shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (shape is null)
        {
            return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
        }

        var tensorShape = new TensorShapeProto();
        foreach (var d in shape)
        {
            tensorShape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }
}
