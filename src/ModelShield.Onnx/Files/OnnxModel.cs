using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.IO;
using ModelShield.Onnx.Schema;

namespace ModelShield.Onnx.Files;

/// <summary>
/// An ONNX model read from a file or stream, with the folder its external data is resolved in.
/// Reading enforces <see cref="ModelReadOptions"/>; external-data locations are checked before any
/// byte outside the model file is read. Saving is atomic, never overwrites the file the model came
/// from, and writes external data files beside the new model file.
/// </summary>
public sealed class OnnxModel
{
    private readonly Dictionary<TensorProto, byte[]> _pendingExternal = new(ReferenceEqualityComparer.Instance);

    private OnnxModel(ModelProto proto, string? sourcePath, string? baseDirectory)
    {
        Proto = proto;
        SourcePath = sourcePath;
        BaseDirectory = baseDirectory;
    }

    /// <summary>The parsed model. Changes to it are written by <see cref="Save"/>.</summary>
    public ModelProto Proto { get; }

    /// <summary>Full path of the file the model was read from, or null when it came from a stream.</summary>
    public string? SourcePath { get; }

    /// <summary>Folder in which external-data locations are resolved, or null when there is none.</summary>
    public string? BaseDirectory { get; }

    /// <summary>The main graph.</summary>
    public GraphProto Graph => Proto.Graph;

    /// <summary>Reads a model file, checking size and nesting limits and that it has a graph.</summary>
    public static OnnxModel Load(string path, ModelReadOptions? options = null)
    {
        options ??= ModelReadOptions.Default;
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"'{path}' is a folder, not an ONNX model file.");
        }

        if (!File.Exists(full))
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Model file '{path}' does not exist.");
        }

        var length = new FileInfo(full).Length;
        CheckSize(path, length, options);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelShieldException(ErrorCodes.PathNotFound, $"Cannot read '{path}': {ex.Message}", ex);
        }

        return FromBytes(bytes, Path.GetDirectoryName(full), full, path, options);
    }

    /// <summary>Reads a model from a stream; external data, if any, is resolved in <paramref name="baseDirectory"/>.</summary>
    public static OnnxModel Load(Stream stream, string? baseDirectory, ModelReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ModelReadOptions.Default;
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            CheckSize("stream", buffer.Length + read, options);
            buffer.Write(chunk, 0, read);
        }

        return FromBytes(buffer.ToArray(), baseDirectory is null ? null : Path.GetFullPath(baseDirectory), null, "stream", options);
    }

    /// <summary>Parses model bytes already in memory (e.g. bytes whose signature was just verified).</summary>
    public static OnnxModel Parse(ReadOnlySpan<byte> bytes, string? baseDirectory, ModelReadOptions? options = null)
    {
        options ??= ModelReadOptions.Default;
        CheckSize("bytes", bytes.Length, options);
        return FromBytes(bytes.ToArray(), baseDirectory is null ? null : Path.GetFullPath(baseDirectory), null, "bytes", options);
    }

    /// <summary>Every tensor of the model: initializers, sparse initializers' parts, tensors in attributes, in subgraphs, functions and training graphs.</summary>
    public IEnumerable<TensorProto> AllTensors() => ModelWalker.Tensors(Proto);

    /// <summary>The tensors whose data lives in external files.</summary>
    public IEnumerable<TensorProto> ExternalTensors() => AllTensors().Where(ExternalDataInfo.IsExternal);

    /// <summary>The distinct external-data locations the model refers to, as written in the model.</summary>
    public IReadOnlyList<string> ExternalDataLocations() =>
        ExternalTensors().Select(t => ExternalDataInfo.Parse(t).Location).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The initializer called <paramref name="name"/>; throws <see cref="ErrorCodes.TensorNotFound"/> when absent.</summary>
    public TensorProto GetInitializer(string name) =>
        Graph.Initializer.FirstOrDefault(t => t.Name == name)
        ?? throw new ModelShieldException(ErrorCodes.TensorNotFound, $"The model has no initializer named '{name}'.");

    /// <summary>
    /// Checks every external reference (location safe, file present, range inside the file) without reading data.
    /// Throws on the first violation, naming the tensor and the location.
    /// </summary>
    public void ValidateExternalData()
    {
        foreach (var tensor in ExternalTensors())
        {
            _ = ResolveExternal(tensor);
        }
    }

    /// <summary>Resolves a tensor's external data to a checked file range.</summary>
    internal ResolvedExternalData ResolveExternal(TensorProto tensor)
    {
        var info = ExternalDataInfo.Parse(tensor);
        if (BaseDirectory is null)
        {
            throw new ModelShieldException(
                ErrorCodes.ExternalDataWithoutFolder,
                $"Tensor '{tensor.Name}' keeps its data in '{info.Location}', but the model was read without a folder to find it in.");
        }

        var what = $"Tensor '{tensor.Name}'";
        var full = SafePath.ResolveInside(BaseDirectory, info.Location, what, ErrorCodes.UnsafeExternalDataPath);
        if (_pendingExternal.TryGetValue(tensor, out var pending))
        {
            return new ResolvedExternalData(full, info.Offset, pending.Length, pending);
        }

        if (!File.Exists(full))
        {
            throw new ModelShieldException(ErrorCodes.ExternalDataMissing, $"{what}: external data file '{info.Location}' does not exist.");
        }

        var fileLength = new FileInfo(full).Length;
        if (info.Offset > fileLength)
        {
            throw new ModelShieldException(
                ErrorCodes.ExternalDataOutOfRange,
                $"{what}: offset {info.Offset} lies past the end of '{info.Location}' ({fileLength} bytes).");
        }

        var length = info.Length ?? fileLength - info.Offset;
        if (length > fileLength - info.Offset)
        {
            throw new ModelShieldException(
                ErrorCodes.ExternalDataOutOfRange,
                $"{what}: offset {info.Offset} + length {length} lies past the end of '{info.Location}' ({fileLength} bytes).");
        }

        return new ResolvedExternalData(full, info.Offset, length, null);
    }

    /// <summary>Records new bytes for an external tensor; they are written to the data file by <see cref="Save"/>.</summary>
    internal void SetPendingExternal(TensorProto tensor, byte[] bytes) => _pendingExternal[tensor] = bytes;

    /// <summary>
    /// Moves the raw data of every float-like initializer of at least <paramref name="minBytes"/> bytes into
    /// the external file <paramref name="location"/> (relative to the folder the model is saved in).
    /// </summary>
    public void MoveToExternalData(string location, long minBytes = 1024)
    {
        var reason = SafePath.WhyUnsafe(location);
        if (reason is not null)
        {
            throw new ModelShieldException(ErrorCodes.UnsafeExternalDataPath, $"External-data location '{location}' is refused: {reason}.");
        }

        var offset = _pendingExternal
            .Where(p => ExternalDataInfo.Parse(p.Key).Location == location)
            .Select(p => ExternalDataInfo.Parse(p.Key).Offset + p.Value.Length)
            .DefaultIfEmpty(0)
            .Max();
        foreach (var tensor in Graph.Initializer)
        {
            if (ExternalDataInfo.IsExternal(tensor) || !tensor.HasRawData || tensor.RawData.Length < minBytes)
            {
                continue;
            }

            var bytes = tensor.RawData.ToByteArray();
            offset = Align(offset);
            tensor.ClearRawData();
            tensor.ExternalData.Clear();
            tensor.ExternalData.Add(Entry(ExternalDataInfo.LocationKey, location));
            tensor.ExternalData.Add(Entry(ExternalDataInfo.OffsetKey, offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            tensor.ExternalData.Add(Entry(ExternalDataInfo.LengthKey, bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            tensor.DataLocation = TensorProto.Types.DataLocation.External;
            _pendingExternal[tensor] = bytes;
            offset += bytes.Length;
        }
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/> atomically, with its external data files beside it.
    /// Refuses to overwrite the file the model came from, or any of its external data files.
    /// </summary>
    public void Save(string path, bool overwrite = false)
    {
        var full = Path.GetFullPath(path);
        if (SourcePath is not null && SafePath.RealPath(full) == SafePath.RealPath(SourcePath))
        {
            throw new ModelShieldException(ErrorCodes.OutputIsInput, $"Refusing to overwrite the input model '{path}'; write to another file.");
        }

        var folder = Path.GetDirectoryName(full)!;
        ExternalDataWriter.WriteFiles(this, folder, overwrite);
        AtomicFile.Write(full, s => Proto.WriteTo(s), overwrite);
    }

    /// <summary>The serialized model (the .onnx file's bytes, external data not included).</summary>
    public byte[] ToBytes() => Proto.ToByteArray();

    internal IReadOnlyDictionary<TensorProto, byte[]> PendingExternal => _pendingExternal;

    private static long Align(long offset) => (offset + 4095) / 4096 * 4096;

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };

    private static void CheckSize(string name, long length, ModelReadOptions options)
    {
        if (length > options.MaxModelBytes)
        {
            throw new ModelShieldException(
                ErrorCodes.ModelTooLarge,
                $"Model '{name}' is {length} bytes, over the limit of {options.MaxModelBytes}; keep large weights in external data.");
        }
    }

    private static OnnxModel FromBytes(byte[] bytes, string? baseDirectory, string? sourcePath, string displayName, ModelReadOptions options)
    {
        ModelProto proto;
        try
        {
            var input = CodedInputStream.CreateWithLimits(new MemoryStream(bytes, writable: false), int.MaxValue, options.MaxNestingDepth);
            proto = ModelProto.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException ex) when (ex.Message.Contains("recursion", StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelShieldException(ErrorCodes.ModelTooDeep, $"'{displayName}' nests messages deeper than {options.MaxNestingDepth} levels.", ex);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelShieldException(ErrorCodes.MalformedModel, $"'{displayName}' is not a valid ONNX model (truncated or corrupt protobuf: {ex.Message})", ex);
        }

        if (proto.Graph is null)
        {
            throw new ModelShieldException(ErrorCodes.ModelWithoutGraph, $"'{displayName}' is not an ONNX model: it has no graph.");
        }

        return new OnnxModel(proto, sourcePath, baseDirectory);
    }
}

/// <summary>A checked byte range of an external data file; <see cref="Pending"/> holds bytes not yet saved.</summary>
internal sealed record ResolvedExternalData(string FullPath, long Offset, long Length, byte[]? Pending);
