using ModelShield.Onnx.Files;
using ModelShield.Onnx.Schema;

namespace ModelShield.Training.Attacks;

/// <summary>Which initializers of a model are layer weights: the float weight inputs of Conv, Gemm and MatMul nodes.</summary>
internal static class ModelWeights
{
    public static IReadOnlyList<TensorProto> LayerWeights(OnnxModel model)
    {
        var initializers = model.Graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        return model.Graph.Node
            .Where(n => n.OpType is "Conv" or "Gemm" or "MatMul" && n.Input.Count > 1)
            .Select(n => initializers.GetValueOrDefault(n.Input[1]))
            .OfType<TensorProto>()
            .Where(t => t.DataType == (int)TensorProto.Types.DataType.Float)
            .Distinct()
            .ToList();
    }

    /// <summary>Every float initializer (weights, biases, normalisation parameters).</summary>
    public static IReadOnlyList<TensorProto> FloatInitializers(OnnxModel model) =>
        model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).ToList();

    /// <summary>A seeded generator for an attack step, so that the same chain and seed give the same copy.</summary>
    public static Random Random(AttackContext context, string attack)
    {
        // string.GetHashCode differs from process to process; FNV-1a does not.
        var hash = 2166136261u;
        foreach (var c in attack)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return new Random((int)((hash ^ (uint)context.Seed * 2654435761u) & int.MaxValue));
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    public static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
