using ModelShield.Errors;

namespace ModelShield.Training.Executor;

/// <summary>
/// The operator converters the executor knows, keyed by (domain, op type) with an opset range each.
/// Finding an operator outside the registry is an <see cref="ErrorCodes.UnsupportedOperator"/> error
/// that names it and lists what is supported.
/// </summary>
internal sealed class OpRegistry
{
    private readonly Dictionary<(string Domain, string OpType), List<IOpConverter>> _converters = [];

    public OpRegistry(IEnumerable<IOpConverter> converters)
    {
        foreach (var converter in converters)
        {
            var key = (converter.Domain, converter.OpType);
            if (!_converters.TryGetValue(key, out var list))
            {
                _converters[key] = list = [];
            }

            if (list.Any(c => c.MinOpset <= converter.MaxOpset && converter.MinOpset <= c.MaxOpset))
            {
                throw new InvalidOperationException($"Two converters claim {converter.OpType} for overlapping opsets.");
            }

            list.Add(converter);
        }
    }

    /// <summary>The registry with every converter of this assembly.</summary>
    public static OpRegistry Default { get; } = new(
        typeof(OpRegistry).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IOpConverter).IsAssignableFrom(t))
            .Select(t => (IOpConverter)Activator.CreateInstance(t)!));

    /// <summary>All converters, ordered by domain, op type and opset.</summary>
    public IEnumerable<IOpConverter> All =>
        _converters.Values.SelectMany(l => l).OrderBy(c => c.Domain, StringComparer.Ordinal).ThenBy(c => c.OpType, StringComparer.Ordinal).ThenBy(c => c.MinOpset);

    /// <summary>The converter for an operator at an opset version; throws when there is none.</summary>
    public IOpConverter Find(string domain, string opType, int opset)
    {
        var normalized = NormalizeDomain(domain);
        if (_converters.TryGetValue((normalized, opType), out var list))
        {
            var match = list.FirstOrDefault(c => c.MinOpset <= opset && opset <= c.MaxOpset);
            if (match is not null)
            {
                return match;
            }

            var ranges = string.Join(", ", list.Select(c => $"{c.MinOpset}-{c.MaxOpset}"));
            throw new ModelShieldException(
                ErrorCodes.UnsupportedOperator,
                $"Operator {Describe(normalized, opType)} is supported for opsets {ranges}, not opset {opset}.");
        }

        throw new ModelShieldException(
            ErrorCodes.UnsupportedOperator,
            $"Operator {Describe(normalized, opType)} is not supported by the lab's executor. Supported: {string.Join(", ", SupportedNames())}.");
    }

    /// <summary>The names of the supported operators, as shown in messages (domain-qualified outside ai.onnx).</summary>
    public IEnumerable<string> SupportedNames() =>
        _converters.Keys.Select(k => Describe(k.Domain, k.OpType)).Distinct().Order(StringComparer.Ordinal);

    /// <summary>The empty string and "ai.onnx" both name the default domain.</summary>
    public static string NormalizeDomain(string domain) => domain == "ai.onnx" ? string.Empty : domain;

    private static string Describe(string domain, string opType) => domain.Length == 0 ? opType : $"{domain}.{opType}";
}
