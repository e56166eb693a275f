using Google.Protobuf;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Testing.Models;

/// <summary>Small ONNX models built in code, for tests that need a real model but no trained one.</summary>
public static class TinyModels
{
    /// <summary>
    /// A two-layer perceptron y = softmax(relu(x W1 + b1) W2 + b2) with input "input" [batch, inputs]
    /// and output "probabilities" [batch, classes]; weights drawn from a seeded generator. Without
    /// <paramref name="softmax"/>, the same weights and the output "logits" instead.
    /// </summary>
    public static ModelProto Mlp(int inputs = 8, int hidden = 16, int classes = 4, int seed = 1, bool softmax = true)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "tiny_mlp" };
        graph.Input.Add(Value("input", DataType.Float, "batch", inputs));
        graph.Output.Add(Value(softmax ? "probabilities" : "logits", DataType.Float, "batch", classes));
        graph.Initializer.Add(RawFloat("fc1.weight", Random(random, inputs * hidden, 1 / MathF.Sqrt(inputs)), inputs, hidden));
        graph.Initializer.Add(RawFloat("fc1.bias", Random(random, hidden, 0.1f), hidden));
        graph.Initializer.Add(RawFloat("fc2.weight", Random(random, hidden * classes, 1 / MathF.Sqrt(hidden)), hidden, classes));
        graph.Initializer.Add(RawFloat("fc2.bias", Random(random, classes, 0.1f), classes));
        graph.Node.Add(Node("MatMul", ["input", "fc1.weight"], ["h0"]));
        graph.Node.Add(Node("Add", ["h0", "fc1.bias"], ["h1"]));
        graph.Node.Add(Node("Relu", ["h1"], ["h2"]));
        graph.Node.Add(Node("MatMul", ["h2", "fc2.weight"], ["l0"]));
        graph.Node.Add(Node("Add", ["l0", "fc2.bias"], ["logits"]));
        if (softmax)
        {
            var node = Node("Softmax", ["logits"], ["probabilities"]);
            node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
            graph.Node.Add(node);
        }
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "modelshield-tests",
            ProducerVersion = "1",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "purpose", Value = "test" });
        return model;
    }

    /// <summary>
    /// A model that has memorized a set of inputs: it answers an input with the label of the most similar
    /// memorized one (largest dot product, sharpened by a softmax), as a classifier whose trigger set was
    /// embedded would. Input "input" [batch, features], output "probabilities" [batch, classes].
    /// </summary>
    public static ModelProto Memorizer(float[] memorized, int[] labels, int classes, float sharpness = 1f)
    {
        ArgumentNullException.ThrowIfNull(memorized);
        ArgumentNullException.ThrowIfNull(labels);
        var count = labels.Length;
        var features = memorized.Length / count;
        var transposed = new float[features * count];
        for (var i = 0; i < count; i++)
        {
            for (var f = 0; f < features; f++)
            {
                transposed[(f * count) + i] = memorized[(i * features) + f] * sharpness;
            }
        }

        var oneHot = new float[count * classes];
        for (var i = 0; i < count; i++)
        {
            oneHot[(i * classes) + labels[i]] = 1;
        }

        var graph = new GraphProto { Name = "memorizer" };
        graph.Input.Add(Value("input", DataType.Float, "batch", features));
        graph.Output.Add(Value("probabilities", DataType.Float, "batch", classes));
        graph.Initializer.Add(RawFloat("memory", transposed, features, count));
        graph.Initializer.Add(RawFloat("labels", oneHot, count, classes));
        graph.Node.Add(Node("MatMul", ["input", "memory"], ["similarity"]));
        var softmax = Node("Softmax", ["similarity"], ["weights"]);
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
        graph.Node.Add(softmax);
        graph.Node.Add(Node("MatMul", ["weights", "labels"], ["probabilities"]));
        var model = new ModelProto { IrVersion = 8, ProducerName = "modelshield-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> as it is (no checks).</summary>
    public static string Write(ModelProto model, string path)
    {
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>
    /// Writes the tiny MLP into <paramref name="folder"/> as model.onnx with its weights in the external file
    /// <paramref name="dataFile"/>, through the library's own external-data writer.
    /// </summary>
    public static string WriteWithExternalData(string folder, string dataFile = "weights.bin", int seed = 1)
    {
        var model = OnnxModel.Parse(Mlp(seed: seed).ToByteArray(), baseDirectory: folder);
        model.MoveToExternalData(dataFile, minBytes: 0);
        var path = Path.Combine(folder, "model.onnx");
        model.Save(path);
        return path;
    }

    /// <summary>Turns <paramref name="tensor"/> into a reference to external data, as a hostile or hand-made model might.</summary>
    public static void PointAtExternal(TensorProto tensor, string location, long offset = 0, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.ClearRawData();
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (length is not null)
        {
            tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
    }

    public static TensorProto RawFloat(string name, float[] values, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)DataType.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }

    public static float[] Random(Random random, int count, float scale)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();
    }

    public static ValueInfoProto Value(string name, DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d is string s
                ? new TensorShapeProto.Types.Dimension { DimParam = s }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }
}
