using ModelShield.Training.Executor;
using ModelShield.Training.Trainers;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace ModelShield.Training.Tests.Trainers;

[TestClass]
public sealed class ParameterUpdateTests
{
    [TestMethod]
    [DataRow("Adam", 0.0)]
    [DataRow("Sgd", 0.9)]
    [DataRow("Sgd", 0.0)]
    public void Step_SameGradientsAsTorchOptim_GivesTheSameParameters(string optimizer, double momentum)
    {
        var kind = Enum.Parse<OptimizerKind>(optimizer);
        using var ours = NewParameter();
        using var theirs = NewParameter();
        using var update = ParameterUpdate.Create(kind, [ours], 0.01, momentum);
        using var reference = kind == OptimizerKind.Adam
            ? (optim.Optimizer)optim.Adam([theirs], 0.01)
            : optim.SGD([theirs], 0.01, momentum);
        for (var step = 0; step < 6; step++)
        {
            update.ZeroGrad();
            reference.zero_grad();
            Loss(ours, step).backward();
            Loss(theirs, step).backward();
            update.Step();
            reference.step();
        }

        var a = ours.data<float>().ToArray();
        var b = theirs.data<float>().ToArray();
        Assert.IsFalse(a.SequenceEqual(Initial()), "The parameters must have moved.");
        for (var i = 0; i < a.Length; i++)
        {
            Assert.AreEqual(b[i], a[i], 1e-6f, $"element {i}");
        }
    }

    [TestMethod]
    public void Step_ParameterWithoutGradient_IsLeftAlone()
    {
        using var used = NewParameter();
        using var unused = NewParameter();
        using var update = ParameterUpdate.Create(OptimizerKind.Adam, [used, unused], 0.01, 0);
        update.ZeroGrad();
        Loss(used, 0).backward();
        update.Step();
        CollectionAssert.AreEqual(Initial(), unused.data<float>().ToArray());
        CollectionAssert.AreNotEqual(Initial(), used.data<float>().ToArray());
    }

    [TestMethod]
    public void Step_WhileAnotherThreadCollectsGarbage_KeepsItsScalarsAlive()
    {
        // Regression for a use-after-free: scalars passed as unreachable temporaries could be finalized by a
        // collection on another thread while the native step still read them ("Expected false to be true" from
        // Scalar.h). With torch.optim.Adam in this loop that error came within a second; every step here must
        // match a quiet run exactly.
        var quiet = Run(collectMeanwhile: false);
        var busy = Run(collectMeanwhile: true);
        CollectionAssert.AreEqual(quiet, busy);

        static float[] Run(bool collectMeanwhile)
        {
            using var small = NewParameter();
            using var large = new Parameter(linspace(-1, 1, 100_000), requires_grad: true);
            using var update = ParameterUpdate.Create(OptimizerKind.Adam, [small, large], 0.001, 0);
            using var collector = new GarbageCollectionLoop(collectMeanwhile);
            for (var step = 0; step < 4000; step++)
            {
                using var scope = NewDisposeScope();
                update.ZeroGrad();
                Loss(small, step).backward();
                (large * large).sum().backward();
                update.Step();
            }

            return [.. small.data<float>().ToArray(), .. large.data<float>().ToArray()];
        }
    }

    private static float[] Initial() => [0.5f, -1.5f, 2f, 0.25f, -0.75f, 1f];

    private static Parameter NewParameter() => new(tensor(Initial()), requires_grad: true);

    // A loss whose gradient changes every step, so moments and momentum matter.
    private static Tensor Loss(Parameter parameter, int step)
    {
        using var scope = NewDisposeScope();
        using var factor = (step % 3 + 1).ToScalar();
        using var target = tensor(new[] { 1f, 0f, -1f, 2f, 0.5f, -2f }).mul_(factor);
        var difference = parameter - target;
        return (difference * difference).sum().add(parameter.abs().sum(), PinnedScalars.One).MoveToOuterDisposeScope();
    }
}
