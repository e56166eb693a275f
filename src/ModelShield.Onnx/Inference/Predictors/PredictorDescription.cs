namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>What a suspect answers with.</summary>
public enum AnswerKind
{
    /// <summary>A score per class; <see cref="Predictions.Probabilities"/> holds them as probabilities.</summary>
    Scores,

    /// <summary>Only the predicted class (a labels-only endpoint); <see cref="Predictions.Probabilities"/> is null.</summary>
    Labels,
}

/// <summary>How a suspect is queried and what it answers.</summary>
/// <param name="Source">The model file or the endpoint URL.</param>
/// <param name="InputName">The input the rows are sent to.</param>
/// <param name="InputShape">The input's shape, batch dimension first; -1 for a variable dimension (only the batch may be).</param>
/// <param name="OutputName">The output read back.</param>
/// <param name="Answers">Scores per class, or labels only.</param>
/// <param name="Classes">The number of classes; null while unknown (a labels-only suspect without <see cref="PredictorOptions.Classes"/>, or scores of a variable width before the first answer).</param>
/// <param name="BatchSize">The most rows sent in one request.</param>
public sealed record PredictorDescription(
    string Source,
    string InputName,
    IReadOnlyList<long> InputShape,
    string OutputName,
    AnswerKind Answers,
    int? Classes,
    int BatchSize)
{
    /// <summary>Float32 values per row: the product of the input's dimensions after the batch.</summary>
    public int RowSize => (int)InputShape.Skip(1).Aggregate(1L, (a, d) => a * d);
}
