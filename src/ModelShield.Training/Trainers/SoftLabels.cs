using ModelShield.Training.Executor;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Trainers;

/// <summary>
/// Knowledge distillation's soft labels (Hinton et al. 2015): a teacher's probabilities at a temperature T, and the
/// student's loss against them, cross-entropy at the same temperature scaled by T² so that gradients keep their size.
/// </summary>
internal sealed class SoftLabels : IDisposable
{
    // Named scalars outlive every native call that reads them (see ParameterUpdate).
    private readonly Scalar temperature;
    private readonly Scalar gradientScale;

    public SoftLabels(double temperature)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        this.temperature = temperature.ToScalar();
        gradientScale = (temperature * temperature).ToScalar();
    }

    /// <summary>The teacher's probabilities for <paramref name="images"/> at this temperature.</summary>
    public Tensor Of(OnnxModule teacher, Tensor images) => (Trainer.Logits(teacher, images) / temperature).softmax(1);

    /// <summary>The student's loss against soft labels, for <see cref="Trainer.Fit"/>.</summary>
    public Tensor Loss(Tensor logits, Tensor probabilities) => -(probabilities * (logits / temperature).log_softmax(1)).sum(1).mean() * gradientScale;

    public void Dispose()
    {
        temperature.Dispose();
        gradientScale.Dispose();
    }
}
