using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;
using ModelShield.Onnx.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using DataType = ModelShield.Onnx.Schema.TensorProto.Types.DataType;

namespace ModelShield.Training.Executor;

/// <summary>
/// An ONNX graph as a TorchSharp module. Float32 initializers become trainable parameters, except the
/// running mean and variance of BatchNormalization, which are buffers that training mode updates; other
/// initializers are constants. Nodes run in topological order, each through the kernel its converter
/// built once. <see cref="WriteWeightsTo"/> puts the current values back into a model's initializers.
/// </summary>
internal sealed class OnnxModule : nn.Module<Tensor, Tensor>
{
    private readonly Step[] _steps;
    private readonly Tensor?[] _constants;
    private readonly int[] _inputSlots;
    private readonly int[] _outputSlots;
    private readonly List<Weight> _weights;
    private readonly int _slotCount;
    private readonly long?[]?[] _inputShapes;

    private OnnxModule(Step[] steps, Tensor?[] constants, int slotCount, string[] inputs, long?[]?[] inputShapes, int[] inputSlots, string[] outputs, int[] outputSlots, List<Weight> weights)
        : base("OnnxModule")
    {
        _inputShapes = inputShapes;
        _steps = steps;
        _constants = constants;
        _slotCount = slotCount;
        InputNames = inputs;
        _inputSlots = inputSlots;
        OutputNames = outputs;
        _outputSlots = outputSlots;
        _weights = weights;
        for (var i = 0; i < weights.Count; i++)
        {
            // TorchSharp names may not contain dots; ONNX names often do.
            var safe = $"w{i}_" + new string(weights[i].Name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
            if (weights[i].Value is TorchSharp.Modules.Parameter p)
            {
                register_parameter(safe, p);
            }
            else
            {
                register_buffer(safe, weights[i].Value);
            }
        }
    }

    /// <summary>The graph inputs the caller provides (initializers listed as inputs excluded).</summary>
    public IReadOnlyList<string> InputNames { get; }

    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>The float initializers: name, current value, and whether it is a trainable parameter.</summary>
    public IReadOnlyList<Weight> Weights => _weights;

    /// <summary>The trainable parameter called <paramref name="name"/> (an initializer name).</summary>
    public TorchSharp.Modules.Parameter Parameter(string name) =>
        _weights.FirstOrDefault(w => w.Name == name)?.Value as TorchSharp.Modules.Parameter
        ?? throw new ModelShieldException(ErrorCodes.TensorNotFound, $"The model has no trainable initializer named '{name}'.");

    /// <summary>Builds the module for a model with the default operator registry.</summary>
    public static OnnxModule Create(OnnxModel model) => Create(model, OpRegistry.Default);

    public static OnnxModule Create(OnnxModel model, OpRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        var opsets = model.Proto.OpsetImport.ToDictionary(o => OpRegistry.NormalizeDomain(o.Domain), o => (int)o.Version, StringComparer.Ordinal);
        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        int Slot(string name) => slots.TryGetValue(name, out var s) ? s : slots[name] = slots.Count;

        var runningStats = graph.Node
            .Where(n => n.OpType == "BatchNormalization" && OpRegistry.NormalizeDomain(n.Domain).Length == 0)
            .SelectMany(n => n.Input.Skip(3).Take(2))
            .ToHashSet(StringComparer.Ordinal);

        var constants = new List<(int Slot, Tensor Value)>();
        var weights = new List<Weight>();
        foreach (var initializer in graph.Initializer)
        {
            var value = TensorConversion.ToTorch(model, initializer);
            if ((DataType)initializer.DataType == DataType.Float)
            {
                value = runningStats.Contains(initializer.Name) ? value : new TorchSharp.Modules.Parameter(value, requires_grad: true);
                weights.Add(new Weight(initializer.Name, value, value is TorchSharp.Modules.Parameter));
            }

            constants.Add((Slot(initializer.Name), value));
        }

        var initializerNames = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Select(i => i.Name).Where(n => !initializerNames.Contains(n)).ToArray();
        var inputSlots = inputs.Select(Slot).ToArray();

        var steps = new List<Step>();
        foreach (var node in TopologicalOrder(graph, initializerNames, inputs))
        {
            var domain = OpRegistry.NormalizeDomain(node.Domain);
            if (!opsets.TryGetValue(domain, out var opset))
            {
                throw new ModelShieldException(ErrorCodes.InvalidGraph, $"Node '{node.Name}' ({node.OpType}) is in domain '{domain}', which the model does not import.");
            }

            var converter = registry.Find(domain, node.OpType, opset);
            var info = new NodeInfo(node, opset, t => TensorConversion.ToTorch(model, t));
            var kernel = converter.Convert(info);
            steps.Add(new Step(
                kernel,
                node.Input.Select(n => n.Length == 0 ? -1 : Slot(n)).ToArray(),
                node.Output.Select(n => n.Length == 0 ? -1 : Slot(n)).ToArray(),
                info));
        }

        var outputs = graph.Output.Select(o => o.Name).ToArray();
        foreach (var output in outputs.Where(o => !slots.ContainsKey(o)))
        {
            throw new ModelShieldException(ErrorCodes.InvalidGraph, $"Graph output '{output}' is produced by no node, input or initializer.");
        }

        var table = new Tensor?[slots.Count];
        foreach (var (slot, value) in constants)
        {
            table[slot] = value;
        }

        var declared = inputs.Select(name => DeclaredShape(graph.Input.First(i => i.Name == name))).ToArray();
        return new OnnxModule([.. steps], table, slots.Count, inputs, declared, inputSlots, outputs, outputs.Select(o => slots[o]).ToArray(), weights);
    }

    /// <summary>Runs the graph on named inputs and returns every graph output by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var values = new Tensor?[_slotCount];
        Array.Copy(_constants, values, _slotCount);
        for (var i = 0; i < InputNames.Count; i++)
        {
            if (!inputs.TryGetValue(InputNames[i], out var value))
            {
                throw new ModelShieldException(ErrorCodes.InferenceInputMismatch, $"Input '{InputNames[i]}' was not given; the model takes {string.Join(", ", InputNames)}.");
            }

            CheckShape(InputNames[i], _inputShapes[i], value.shape);
            values[_inputSlots[i]] = value;
        }

        foreach (var step in _steps)
        {
            var args = new Tensor?[step.Inputs.Length];
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = step.Inputs[i] < 0 ? null : values[step.Inputs[i]];
            }

            Tensor[] results;
            try
            {
                results = step.Kernel(args, training);
            }
            catch (Exception ex) when (ex is not ModelShieldException)
            {
                throw new ModelShieldException(ErrorCodes.InvalidGraph, $"{step.Info.Display} failed: {ex.Message}", ex);
            }

            for (var i = 0; i < step.Outputs.Length; i++)
            {
                if (step.Outputs[i] < 0)
                {
                    continue;
                }

                if (i >= results.Length)
                {
                    throw step.Info.Unsupported($"output {i} ('{step.Info.Node.Output[i]}')");
                }

                values[step.Outputs[i]] = results[i];
            }
        }

        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < OutputNames.Count; i++)
        {
            outputs[OutputNames[i]] = values[_outputSlots[i]]!;
        }

        return outputs;
    }

    /// <summary>The input's declared shape: null when undeclared, a null dimension when symbolic.</summary>
    private static long?[]? DeclaredShape(ValueInfoProto input) =>
        input.Type?.TensorType?.Shape is { } shape
            ? shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? d.DimValue : (long?)null).ToArray()
            : null;

    // Checked here because a shape libtorch cannot use aborts the whole process from native code.
    private static void CheckShape(string name, long?[]? declared, long[] actual)
    {
        if (declared is null)
        {
            return;
        }

        if (declared.Length != actual.Length || declared.Where((d, k) => d is not null && d != actual[k]).Any())
        {
            throw new ModelShieldException(
                ErrorCodes.InferenceInputMismatch,
                $"Input '{name}' is declared [{string.Join(", ", declared.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"))}] but was given [{string.Join(", ", actual)}].");
        }
    }

    /// <summary>Runs a single-input graph and returns its first output (a classifier's logits).</summary>
    public override Tensor forward(Tensor input)
    {
        if (InputNames.Count != 1)
        {
            throw new ModelShieldException(ErrorCodes.InferenceInputMismatch, $"The model takes {InputNames.Count} inputs ({string.Join(", ", InputNames)}); call Run with all of them.");
        }

        return Run(new Dictionary<string, Tensor> { [InputNames[0]] = input })[OutputNames[0]];
    }

    /// <summary>
    /// Writes the current values of every float initializer (parameters and BatchNormalization statistics)
    /// into the initializers of the same name in <paramref name="target"/>, keeping their storage form.
    /// Nothing else of the model changes.
    /// </summary>
    public void WriteWeightsTo(OnnxModel target)
    {
        ArgumentNullException.ThrowIfNull(target);
        foreach (var weight in _weights)
        {
            TensorData.Write<float>(target, target.GetInitializer(weight.Name), TensorConversion.ToSingles(weight.Value));
        }
    }

    private static List<NodeProto> TopologicalOrder(GraphProto graph, HashSet<string> initializers, IEnumerable<string> inputs)
    {
        var available = new HashSet<string>(initializers, StringComparer.Ordinal);
        available.UnionWith(inputs);
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                if (!producers.TryAdd(output, node) || available.Contains(output))
                {
                    throw new ModelShieldException(ErrorCodes.InvalidGraph, $"Value '{output}' is produced more than once (the graph is not in SSA form).");
                }
            }
        }

        // Kahn's algorithm, keeping the file's order among ready nodes so that runs are reproducible.
        var waiting = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Node)
        {
            waiting[node] = node.Input.Count(i => i.Length > 0 && !available.Contains(i));
        }

        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input.Where(i => i.Length > 0 && !available.Contains(i) && !producers.ContainsKey(i)))
            {
                throw new ModelShieldException(ErrorCodes.InvalidGraph, $"Node '{node.Name}' ({node.OpType}) reads '{input}', which no node, input or initializer provides.");
            }
        }

        var consumers = graph.Node
            .SelectMany(n => n.Input.Where(i => i.Length > 0 && !available.Contains(i)).Select(i => (Input: i, Node: n)))
            .ToLookup(p => p.Input, p => p.Node, StringComparer.Ordinal);
        var ready = new Queue<NodeProto>(graph.Node.Where(n => waiting[n] == 0));
        var order = new List<NodeProto>(graph.Node.Count);
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                foreach (var consumer in consumers[output])
                {
                    if (--waiting[consumer] == 0)
                    {
                        ready.Enqueue(consumer);
                    }
                }
            }
        }

        if (order.Count != graph.Node.Count)
        {
            var stuck = graph.Node.First(n => waiting[n] > 0);
            throw new ModelShieldException(ErrorCodes.InvalidGraph, $"The graph has a cycle through node '{stuck.Name}' ({stuck.OpType}).");
        }

        return order;
    }

    private sealed record Step(OpKernel Kernel, int[] Inputs, int[] Outputs, NodeInfo Info);
}

/// <summary>A float initializer of the module: its name, its tensor, and whether training updates it by gradient.</summary>
internal sealed record Weight(string Name, Tensor Value, bool Trainable);
