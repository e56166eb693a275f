using static TorchSharp.torch;

namespace ModelShield.Training.Tests.Executor;

/// <summary>Closeness of tensors: same shape and element kind, and |actual - expected| &lt;= atol + rtol * |expected| everywhere.</summary>
internal static class TensorAssert
{
    /// <summary>The float32 tolerance of the parity tests: ONNX's own test runner uses rtol 1e-3; we ask for ten times tighter plus a small atol for sums near zero.</summary>
    public const double Rtol = 1e-4;

    public const double Atol = 1e-5;

    public static void Close(Tensor expected, Tensor actual, string what, double atol = Atol, double rtol = Rtol)
    {
        CollectionAssert.AreEqual(expected.shape, actual.shape, $"{what}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        Assert.AreEqual(expected.is_floating_point(), actual.is_floating_point(), $"{what}: element type {actual.dtype}, expected {expected.dtype}");
        if (expected.numel() == 0)
        {
            return;
        }

        using var e = expected.detach().to_type(ScalarType.Float64);
        using var a = actual.detach().to_type(ScalarType.Float64);
        using var bothNan = e.isnan() & a.isnan();
        using var bothSameInf = e.isinf() & a.isinf() & (e == a);
        using var within = (a - e).abs() <= (atol + (rtol * e.abs()));
        using var ok = within | bothNan | bothSameInf;
        if (!ok.all().item<bool>())
        {
            using var diff = (a - e).abs().nan_to_num(0, 0, 0).max();
            Assert.Fail($"{what}: {ok.numel() - ok.sum().item<long>()} of {ok.numel()} values differ; max |diff| {diff.item<double>():G4} (atol {atol}, rtol {rtol}).");
        }
    }
}
