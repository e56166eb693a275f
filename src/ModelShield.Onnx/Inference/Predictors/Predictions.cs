namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>A suspect's answers to one batch, one per row in the order sent.</summary>
public sealed class Predictions
{
    internal Predictions(int[] labels, float[,]? probabilities, bool softmaxApplied)
    {
        Labels = labels;
        Probabilities = probabilities;
        SoftmaxApplied = softmaxApplied;
    }

    /// <summary>Rows answered.</summary>
    public int Count => Labels.Length;

    /// <summary>
    /// The class of each row: the suspect's own label, or for scores the most probable class (the lowest index on a tie).
    /// </summary>
#pragma warning disable CA1819 // A plain array is what the detectors index; copies would cost for nothing.
    public int[] Labels { get; }

    /// <summary>
    /// [row, class] probabilities (each row non-negative, summing to 1), or null for a labels-only suspect.
    /// </summary>
#pragma warning disable CA1814 // The brief's shape: one rectangular [count, classes] block.
    public float[,]? Probabilities { get; }
#pragma warning restore CA1814
#pragma warning restore CA1819

    /// <summary>True when the suspect answered logits and <see cref="Probabilities"/> is their softmax.</summary>
    public bool SoftmaxApplied { get; }
}
