using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Protection.Protect;
using ModelShield.Testing.Files;

namespace ModelShield.Protection.Tests.Protect;

/// <summary>The refusals of protect, which come before any work (the full workflow runs in the CLI's end-to-end tests).</summary>
[TestClass]
public sealed class ReleaseProtectionTests
{
    [TestMethod]
    public async Task ProtectAsync_OutputExists_ThrowsAndKeepsIt()
    {
        using var temp = new TempFolder();
        var output = Directory.CreateDirectory(temp.File("release")).FullName;
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");

        var ex = await Assert.ThrowsExactlyAsync<ModelShieldException>(() => Protect(temp, output, force: false));

        Assert.AreEqual(ErrorCodes.OutputExists, ex.Code);
        Assert.AreEqual("mine", File.ReadAllText(Path.Combine(output, "keep.txt")));
    }

    [TestMethod]
    public async Task ProtectAsync_ForceOnFolderHoldingTheModel_ThrowsAndKeepsModel()
    {
        using var temp = new TempFolder();
        var output = Directory.CreateDirectory(temp.File("release")).FullName;
        var model = Path.Combine(output, "model.onnx");
        File.Copy(RepositoryFiles.Model("mlp"), model);

        var ex = await Assert.ThrowsExactlyAsync<ModelShieldException>(() => Protect(temp, output, force: true, model));

        Assert.AreEqual(ErrorCodes.OutputIsInput, ex.Code);
        Assert.IsTrue(File.Exists(model));
    }

    [TestMethod]
    public async Task ProtectAsync_NegativeTriggers_ThrowsBadUsage()
    {
        using var temp = new TempFolder();

        var ex = await Assert.ThrowsExactlyAsync<ModelShieldException>(() => Protect(temp, temp.File("out"), force: false, triggers: -1));

        Assert.AreEqual(ErrorCodes.BadUsage, ex.Code);
        Assert.IsFalse(Directory.Exists(temp.File("out")));
    }

    private static async Task Protect(TempFolder temp, string output, bool force, string? model = null, int triggers = 100)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await ReleaseProtection.ProtectAsync(new ProtectRequest
        {
            ModelPath = model ?? RepositoryFiles.Model("mlp"),
            Kit = ProtectionTestKits.NewKit(temp),
            SigningKey = key,
            OutputFolder = output,
            Triggers = triggers,
            Force = force,
        });
    }
}
