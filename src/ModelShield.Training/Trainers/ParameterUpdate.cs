using ModelShield.Training.Executor;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ModelShield.Training.Trainers;

/// <summary>
/// The lab's optimisers: Adam (β₁ 0.9, β₂ 0.999, ε 1e-8, no weight decay) and SGD with momentum, the same
/// arithmetic as <c>torch.optim</c>'s.
/// </summary>
/// <remarks>
/// TorchSharp's own optimisers pass scalars as implicit temporaries (<c>add_(grad, 1 - β)</c>). A temporary
/// <see cref="Scalar"/> is unreachable while the native call that reads it runs, so a garbage collection on
/// another thread can finalize it mid-call; the lab saw this as an intermittent native failure
/// ("toDouble … Scalar.h") during <c>step</c>. Here every scalar is a named local disposed after the last
/// native call that uses it, which keeps it alive for exactly as long as it is needed.
/// </remarks>
internal abstract class ParameterUpdate : IDisposable
{
    private readonly List<Tensor> state = [];

    /// <summary>Steps over which Adam's second moment forgets a gradient's size: 1 / (1 - β₂).</summary>
    public const int AdamMemorySteps = (int)((1 / (1 - AdamUpdate.Beta2)) + 0.5);

    protected ParameterUpdate(IReadOnlyList<Parameter> parameters, double learningRate)
    {
        Parameters = parameters;
        LearningRate = learningRate;
    }

    protected IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The step size; may change between steps (a schedule).</summary>
    public double LearningRate { get; set; }

    public static ParameterUpdate Create(OptimizerKind kind, IReadOnlyList<Parameter> parameters, double learningRate, double momentum) => kind switch
    {
        OptimizerKind.Adam => new AdamUpdate(parameters, learningRate),
        OptimizerKind.Sgd => new MomentumUpdate(parameters, learningRate, momentum),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown optimiser"),
    };

    /// <summary>Clears every parameter's gradient before the next backward pass.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in Parameters)
        {
            using var gradient = parameter.grad;
            gradient?.zero_();
        }
    }

    /// <summary>Moves every parameter that has a gradient one step.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        StepCore();
    }

    public void Dispose()
    {
        foreach (var tensor in state)
        {
            tensor.Dispose();
        }

        state.Clear();
    }

    protected abstract void StepCore();

    /// <summary>Takes <paramref name="tensor"/> out of the step's dispose scope: the optimiser owns it until disposed.</summary>
    protected Tensor Keep(Tensor tensor)
    {
        state.Add(tensor.DetachFromDisposeScope());
        return tensor;
    }

    private sealed class AdamUpdate(IReadOnlyList<Parameter> parameters, double learningRate) : ParameterUpdate(parameters, learningRate)
    {
        private const double Beta1 = 0.9;
        internal const double Beta2 = 0.999;
        private const double Epsilon = 1e-8;

        private readonly Tensor?[] firstMoments = new Tensor?[parameters.Count];
        private readonly Tensor?[] secondMoments = new Tensor?[parameters.Count];
        private long steps;

        protected override void StepCore()
        {
            steps++;
            var correction1 = 1 - Math.Pow(Beta1, steps);
            var correction2 = 1 - Math.Pow(Beta2, steps);
            using var beta1 = Beta1.ToScalar();
            using var beta2 = Beta2.ToScalar();
            using var gradientWeight1 = (1 - Beta1).ToScalar();
            using var gradientWeight2 = (1 - Beta2).ToScalar();
            using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
            using var epsilon = Epsilon.ToScalar();
            using var stepSize = (-LearningRate / correction1).ToScalar();
            for (var i = 0; i < Parameters.Count; i++)
            {
                var parameter = Parameters[i];
                var gradient = parameter.grad;
                if (gradient is null)
                {
                    continue;
                }

                var first = firstMoments[i] ??= Keep(zeros_like(parameter));
                var second = secondMoments[i] ??= Keep(zeros_like(parameter));
                first.mul_(beta1).add_(gradient, gradientWeight1);
                second.mul_(beta2).addcmul_(gradient, gradient, gradientWeight2);
                var denominator = second.sqrt().div_(rootCorrection2).add_(epsilon, PinnedScalars.One);
                parameter.addcdiv_(first, denominator, stepSize);
            }
        }
    }

    private sealed class MomentumUpdate(IReadOnlyList<Parameter> parameters, double learningRate, double momentum) : ParameterUpdate(parameters, learningRate)
    {
        private readonly Tensor?[] velocities = new Tensor?[parameters.Count];

        protected override void StepCore()
        {
            using var keep = momentum.ToScalar();
            using var stepSize = (-LearningRate).ToScalar();
            for (var i = 0; i < Parameters.Count; i++)
            {
                var parameter = Parameters[i];
                var gradient = parameter.grad;
                if (gradient is null)
                {
                    continue;
                }

                var direction = gradient;
                if (momentum != 0)
                {
                    // torch.optim.SGD starts the buffer at the first gradient, then keeps momentum·buffer + gradient.
                    direction = velocities[i] is { } velocity
                        ? velocity.mul_(keep).add_(gradient, PinnedScalars.One)
                        : velocities[i] = Keep(gradient.clone());
                }

                parameter.add_(direction, stepSize);
            }
        }
    }
}
