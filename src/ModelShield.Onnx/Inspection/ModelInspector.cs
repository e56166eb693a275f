using System.Globalization;
using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;

namespace ModelShield.Onnx.Inspection;

/// <summary>Summarizes a model: producer, opsets, signature, parameters, storage, and the digest of every file.</summary>
public static class ModelInspector
{
    /// <summary>How many of the largest initializers the summary lists.</summary>
    public const int LargestTensorCount = 10;

    /// <summary>Inspects a model loaded from a file; its external data is checked and hashed, never loaded whole.</summary>
    public static ModelInspection Inspect(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.ValidateExternalData();
        var proto = model.Proto;
        var graph = model.Graph;
        var initializerNames = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

        var tensors = graph.Initializer.Select(Describe).ToList();
        var sparseElements = Total(graph.SparseInitializer.Select(s => s.Values is null ? 0 : TensorElementTypes.ElementCount(s.Values)));
        var bytesByType = tensors
            .GroupBy(t => t.ElementType, StringComparer.Ordinal)
            .Select(g => (Type: g.Key, Bytes: Total(g.Select(t => t.Bytes))))
            .OrderByDescending(g => g.Bytes)
            .ToDictionary(g => g.Type, g => g.Bytes, StringComparer.Ordinal);

        var externalFiles = model.ExternalDataLocations();
        var files = new List<FileDigest>();
        if (model.SourcePath is not null)
        {
            files.Add(Digest(Path.GetFileName(model.SourcePath), model.SourcePath));
        }

        if (model.BaseDirectory is not null)
        {
            files.AddRange(externalFiles.Select(location => Digest(location, Path.Combine(model.BaseDirectory, location))));
        }

        return new ModelInspection(
            Path: model.SourcePath ?? "",
            ProducerName: proto.ProducerName,
            ProducerVersion: proto.ProducerVersion,
            IrVersion: proto.IrVersion,
            ModelVersion: proto.ModelVersion,
            Domain: proto.Domain,
            Opsets: proto.OpsetImport.Select(o => new OpsetInfo(o.Domain.Length == 0 ? "ai.onnx" : o.Domain, o.Version)).ToList(),
            Inputs: graph.Input.Where(i => !initializerNames.Contains(i.Name)).Select(Describe).ToList(),
            Outputs: graph.Output.Select(Describe).ToList(),
            NodeCount: graph.Node.Count,
            OperatorCounts: graph.Node
                .GroupBy(n => n.Domain.Length == 0 || n.Domain == "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}", StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            InitializerCount: graph.Initializer.Count + graph.SparseInitializer.Count,
            ParameterCount: Total([.. tensors.Select(t => t.Elements), sparseElements]),
            BytesByType: bytesByType,
            LargestTensors: tensors.OrderByDescending(t => t.Bytes).ThenBy(t => t.Name, StringComparer.Ordinal).Take(LargestTensorCount).ToList(),
            ExternalDataFiles: externalFiles,
            Metadata: proto.MetadataProps.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal),
            Files: files);
    }

    /// <summary>Describes a value's type in ONNX's notation, e.g. <c>tensor(float32)</c> or <c>seq(tensor(int64))</c>.</summary>
    public static string DescribeType(TypeProto? type) => type?.ValueCase switch
    {
        TypeProto.ValueOneofCase.TensorType => $"tensor({TensorElementTypes.Name(type.TensorType.ElemType)})",
        TypeProto.ValueOneofCase.SparseTensorType => $"sparse_tensor({TensorElementTypes.Name(type.SparseTensorType.ElemType)})",
        TypeProto.ValueOneofCase.SequenceType => $"seq({DescribeType(type.SequenceType.ElemType)})",
        TypeProto.ValueOneofCase.OptionalType => $"optional({DescribeType(type.OptionalType.ElemType)})",
        TypeProto.ValueOneofCase.MapType => $"map({TensorElementTypes.Name(type.MapType.KeyType)}, {DescribeType(type.MapType.ValueType)})",
        TypeProto.ValueOneofCase.OpaqueType => $"opaque({type.OpaqueType.Domain}.{type.OpaqueType.Name})",
        _ => "unknown",
    };

    private static ValueInfo Describe(ValueInfoProto value)
    {
        var type = value.Type;
        var (elementType, shape) = type?.ValueCase switch
        {
            TypeProto.ValueOneofCase.TensorType => (TensorElementTypes.Name(type.TensorType.ElemType), Dims(type.TensorType.Shape)),
            TypeProto.ValueOneofCase.SparseTensorType => (TensorElementTypes.Name(type.SparseTensorType.ElemType), Dims(type.SparseTensorType.Shape)),
            _ => ("", new List<string>()),
        };
        return new ValueInfo(value.Name, DescribeType(type), elementType, shape);
    }

    private static List<string> Dims(TensorShapeProto? shape) =>
        shape is null
            ? []
            : shape.Dim.Select(d => d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(CultureInfo.InvariantCulture),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => d.DimParam,
                _ => "?",
            }).ToList();

    private static TensorInfo Describe(TensorProto tensor)
    {
        var elements = TensorElementTypes.ElementCount(tensor);
        var bytes = TensorElementTypes.ByteSize(tensor)
            ?? (tensor.HasRawData ? tensor.RawData.Length : tensor.StringData.Sum(s => (long)s.Length));
        return new TensorInfo(tensor.Name, TensorElementTypes.Name(tensor.DataType), tensor.Dims.ToList(), elements, bytes, ExternalDataInfo.IsExternal(tensor));
    }

    /// <summary>A sum of sizes; tensors whose dims claim more than 2^63 in total are MS3002 (no data can back them).</summary>
    private static long Total(IEnumerable<long> sizes)
    {
        try
        {
            return sizes.Sum();
        }
        catch (OverflowException ex)
        {
            throw new ModelShieldException(ErrorCodes.TensorDataMismatch, "The model's tensors claim more than 2^63 elements or bytes in total.", ex);
        }
    }

    private static FileDigest Digest(string displayPath, string fullPath)
    {
        using var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var hash = SHA256.HashData(stream);
        return new FileDigest(displayPath, stream.Length, Convert.ToHexStringLower(hash));
    }
}
