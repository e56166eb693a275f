using TorchSharp;

namespace ModelShield.Training.Tests;

[TestClass]
public sealed class SmokeTests
{
    [TestMethod]
    public void Torch_Loads_Computes()
    {
        var x = torch.ones(2, 3);
        Assert.AreEqual(6f, x.sum().item<float>());
    }
}
