using ModelShield.Training.Tests.Trainers;

namespace ModelShield.Training.Tests;

/// <summary>
/// With MODELSHIELD_GC_STRESS=1, the whole assembly runs while another thread forces collections and
/// finalizers, to find native calls that read a TorchSharp scalar a collection may free (see ParameterUpdate).
/// </summary>
[TestClass]
public static class GarbageCollectionStress
{
    private static GarbageCollectionLoop? loop;

    [AssemblyInitialize]
    public static void Start(TestContext context)
    {
        _ = context;
        loop = new GarbageCollectionLoop(Environment.GetEnvironmentVariable("MODELSHIELD_GC_STRESS") == "1");
    }

    [AssemblyCleanup]
    public static void Stop() => loop?.Dispose();
}
