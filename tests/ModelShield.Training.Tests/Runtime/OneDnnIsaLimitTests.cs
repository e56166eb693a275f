using ModelShield.Training.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Runtime;

[TestClass]
public sealed class OneDnnIsaLimitTests
{
    [TestMethod]
    public void Apply_NoUserChoice_NativeEnvironmentLimitsToAvx2()
    {
        // CI and the tests never set the variable, so the lab's own limit is what native code sees.
        Assert.AreEqual(OneDnnIsaLimit.Limit, OneDnnIsaLimit.Effective());
    }

    /// <summary>The shape oneDNN's AVX-512 kernel got wrong: 40 input channels, a batch of 100 and more. float64 takes another path.</summary>
    [TestMethod]
    [DataRow(40, 72, 100)]
    [DataRow(40, 64, 1000)]
    [DataRow(32, 64, 300)]
    public void Conv2d_OddChannelCountLargeBatch_MatchesFloat64(int inputs, int outputs, int batch)
    {
        // Loads the lab's assembly, whose initializer sets the limit, before this test's first native call.
        _ = OneDnnIsaLimit.Effective();
        using var generator = new Generator(7);
        using var x = randn([batch, inputs, 14, 14], generator: generator);
        using var w = randn([outputs, inputs, 3, 3], generator: generator);
        using var single = nn.functional.conv2d(x, w, null, [1, 1], [1, 1], [1, 1], 1);
        using var reference = nn.functional.conv2d(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), null, [1, 1], [1, 1], [1, 1], 1);
        using var error = (single.to_type(ScalarType.Float64) - reference).abs().max();
        var largest = error.item<double>();
        Assert.IsLessThan(1e-3, largest, "float32 Conv differs from float64.");
    }
}
