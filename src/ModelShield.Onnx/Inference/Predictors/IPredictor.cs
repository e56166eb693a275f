namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>
/// A suspect classifier that answers batches of inputs: a local ONNX file (<see cref="LocalPredictor"/>) or a
/// remote Open Inference Protocol v2 endpoint (<see cref="OipPredictor"/>). Every row sent is one query; a
/// predictor refuses a call that would spend more than <see cref="MaxQueries"/> instead of sending part of it.
/// Calls are serialized: one batch is in flight at a time.
/// </summary>
public interface IPredictor : IAsyncDisposable
{
    /// <summary>What the suspect takes and answers. <see cref="PredictorDescription.Classes"/> may become known only after the first answer.</summary>
    PredictorDescription Description { get; }

    /// <summary>Rows sent so far (rows whose request may have reached the suspect count, even if its answer was unusable).</summary>
    long QueriesSpent { get; }

    /// <summary>The most rows this predictor will ever send; null when unlimited.</summary>
    long? MaxQueries { get; }

    /// <summary>
    /// Sends <paramref name="count"/> rows, laid out one after another in <paramref name="batch"/> (each row
    /// <see cref="PredictorDescription.RowSize"/> float32 values in the input's row-major order), in requests of at
    /// most <see cref="PredictorDescription.BatchSize"/> rows, and returns one answer per row, in order.
    /// </summary>
    /// <exception cref="Errors.ModelShieldException">MS8xxx codes (see docs/error-codes.md), MS4001 from ONNX Runtime.</exception>
    Task<Predictions> PredictAsync(float[] batch, int count, CancellationToken cancellationToken = default);
}
