using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Schema.References;

namespace ModelShield.Onnx.Files;

/// <summary>
/// The external-data tensors of a serialized model and the files they live in, found without materialising its tensors.
/// </summary>
/// <remarks>
/// <see cref="OnnxModel.ExternalDataLocations"/> needs the whole model parsed, which copies every inline tensor: for
/// a 500 MB model that is a second 500 MB and most of a second. This reads a skeleton of the IR (Schema/
/// onnx_external_refs.proto) with unknown fields discarded, so tensor bytes are skipped, not copied. It visits the
/// same places as <see cref="OnnxModel.AllTensors"/>: every graph and subgraph, sparse initializers, attribute
/// tensors and functions.
/// </remarks>
public static class ExternalDataReferences
{
    private const int External = 1;

    private static readonly MessageParser<RefModel> Parser = RefModel.Parser.WithDiscardUnknownFields(true);

    /// <summary>
    /// The distinct locations, as written in the model, of every tensor whose data is external; throws
    /// <see cref="ErrorCodes.MalformedModel"/> for bytes that are not a model and
    /// <see cref="ErrorCodes.UnsafeExternalDataPath"/> for an external tensor without a location.
    /// </summary>
    public static IReadOnlyList<string> Locations(byte[] model, string displayName) =>
        [.. Tensors(model, displayName).Select(t => t.Data.Location).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Every tensor of the model whose data is external, in model order, with where its bytes lie; the same errors as
    /// <see cref="Locations"/>, and <see cref="ErrorCodes.ExternalDataOutOfRange"/> for an offset or length that is
    /// not a number.
    /// </summary>
    public static IReadOnlyList<ExternalTensorReference> Tensors(byte[] model, string displayName)
    {
        ArgumentNullException.ThrowIfNull(model);
        RefModel parsed;
        try
        {
            // From the array itself (not a stream) so that skipping a tensor's bytes only moves the position; the
            // parser's default recursion limit (100) bounds the nesting.
            parsed = Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ModelShieldException(ErrorCodes.MalformedModel, $"'{displayName}' is not a valid ONNX model (truncated or corrupt protobuf: {ex.Message})", ex);
        }

        var mainInitializers = parsed.Graph?.Initializer.ToHashSet(ReferenceEqualityComparer.Instance) ?? [];
        return [.. AllTensors(parsed)
            .Where(t => t.HasDataLocation && t.DataLocation == External)
            .Select(t => new ExternalTensorReference(
                t.Name,
                t.DataType,
                [.. t.Dims],
                ExternalDataInfo.Parse(t.Name, t.ExternalData.Select(e => (e.Key, e.Value))),
                mainInitializers.Contains(t)))];
    }

    private static IEnumerable<RefTensor> AllTensors(RefModel model)
    {
        var stack = new Stack<RefGraph>();
        Push(stack, model.Graph);
        foreach (var info in model.TrainingInfo)
        {
            Push(stack, info.Initialization);
            Push(stack, info.Algorithm);
        }

        while (stack.Count > 0)
        {
            var graph = stack.Pop();
            foreach (var tensor in graph.Initializer.Concat(graph.SparseInitializer.SelectMany(Parts)))
            {
                yield return tensor;
            }

            foreach (var attribute in graph.Node.SelectMany(n => n.Attribute))
            {
                Push(stack, attribute.G);
                foreach (var sub in attribute.Graphs)
                {
                    stack.Push(sub);
                }

                foreach (var tensor in AttributeTensors(attribute))
                {
                    yield return tensor;
                }
            }
        }

        foreach (var tensor in model.Functions.SelectMany(f => f.Node).SelectMany(n => n.Attribute).SelectMany(AttributeTensors))
        {
            yield return tensor;
        }
    }

    private static void Push(Stack<RefGraph> stack, RefGraph? graph)
    {
        if (graph is not null)
        {
            stack.Push(graph);
        }
    }

    private static IEnumerable<RefTensor> AttributeTensors(RefAttribute attribute)
    {
        var tensors = attribute.T is null ? attribute.Tensors : attribute.Tensors.Prepend(attribute.T);
        var sparse = attribute.SparseTensor is null ? attribute.SparseTensors : attribute.SparseTensors.Prepend(attribute.SparseTensor);
        return tensors.Concat(sparse.SelectMany(Parts));
    }

    private static IEnumerable<RefTensor> Parts(RefSparseTensor sparse) =>
        new[] { sparse.Values, sparse.Indices }.Where(t => t is not null)!;
}
