using System.Security.Cryptography;
using ModelShield.Errors;
using ModelShield.Protection.Investigate;
using ModelShield.Protection.Suspects;
using ModelShield.Signing;
using ModelShield.Testing.Files;

namespace ModelShield.Protection.Tests.Investigate;

[TestClass]
public sealed class InvestigationTests
{
    [TestMethod]
    public async Task InvestigateAsync_MarkedModelWeightsOnlyKit_DerivedAndSaysWhatWasNotRun()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);
        var marked = ProtectionTestKits.MarkedMlp(temp, kit);

        var report = await Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(marked), Kit = kit });

        Assert.AreEqual("derived", report.Verdict);
        Assert.IsTrue(report.IsOurs);
        Assert.AreEqual(1, report.TestsRun);
        Assert.AreEqual("weights", report.Outcomes.Single().Test);
        Assert.AreEqual(1, report.ReleaseMatches.Count);
        CollectionAssert.AreEquivalent(new[] { "signature", "triggers", "fingerprint" }, report.NotRun.Select(n => n.Test).ToList());
        StringAssert.Contains(report.NotRun.Single(n => n.Test == "triggers").Reason, "no trigger set");
        Assert.AreEqual(report.Files.Single(f => f.Role == "suspect").Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(marked))));
    }

    [TestMethod]
    public async Task InvestigateAsync_UnmarkedOriginal_NotShown()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);
        _ = ProtectionTestKits.MarkedMlp(temp, kit);

        var report = await Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(RepositoryFiles.Model("mlp")), Kit = kit });

        Assert.AreEqual("not-shown", report.Verdict);
        Assert.IsFalse(report.IsOurs);
        Assert.IsEmpty(report.ReleaseMatches);
        Assert.IsGreaterThan(-6, report.Log10CombinedPValue!.Value);
    }

    [TestMethod]
    public async Task InvestigateAsync_SignatureButNoTrust_SignatureNotRun()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);
        var release = Directory.CreateDirectory(temp.File("release")).FullName;
        var marked = ProtectionTestKits.MarkedMlp(temp, kit, "release/model.onnx");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ModelSigner.Sign(new SignRequest { ModelPath = release, PrivateKey = key });

        var untrusted = await Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(release), Kit = kit });
        var trusted = await Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(marked), Kit = kit, Trust = TrustPolicy.ForPublicKeys([key]) });

        Assert.IsNull(untrusted.Signature);
        StringAssert.Contains(untrusted.NotRun.Single(n => n.Test == "signature").Reason, "no trust");
        Assert.IsTrue(untrusted.Files.Any(f => f.Role == "signature"));
        Assert.AreEqual("signed-release", trusted.Verdict);
        Assert.IsTrue(trusted.Signature!.Verified);
    }

    [TestMethod]
    public async Task InvestigateAsync_FolderWithTwoModels_ThrowsBadUsage()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);
        var folder = Directory.CreateDirectory(temp.File("two")).FullName;
        File.Copy(RepositoryFiles.Model("mlp"), Path.Combine(folder, "a.onnx"));
        File.Copy(RepositoryFiles.Model("mlp"), Path.Combine(folder, "b.onnx"));

        var ex = await Assert.ThrowsExactlyAsync<ModelShieldException>(() => Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(folder), Kit = kit }));

        Assert.AreEqual(ErrorCodes.BadUsage, ex.Code);
        StringAssert.Contains(ex.Message, "2 .onnx files");
    }

    [TestMethod]
    public async Task InvestigateAsync_MalformedSuspect_ThrowsModelError()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);
        _ = ProtectionTestKits.MarkedMlp(temp, kit);
        var bad = temp.File("bad.onnx");
        File.WriteAllBytes(bad, [0xFF, 0xFF, 0xFF, 0x07, 0x01]);

        var ex = await Assert.ThrowsExactlyAsync<ModelShieldException>(() => Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.File(bad), Kit = kit }));

        StringAssert.StartsWith(ex.Code, "MS2");
    }

    [TestMethod]
    public async Task InvestigateAsync_EndpointWithWeightsOnlyKit_NothingToTest()
    {
        using var temp = new TempFolder();
        var kit = ProtectionTestKits.NewKit(temp);
        _ = ProtectionTestKits.MarkedMlp(temp, kit);

        var report = await Investigation.InvestigateAsync(new InvestigateRequest { Suspect = SuspectSource.Remote("http://127.0.0.1:9/v2/models/m"), Kit = kit });

        Assert.AreEqual("not-shown", report.Verdict);
        Assert.AreEqual(0, report.TestsRun);
        Assert.IsNull(report.CombinedPValue);
        StringAssert.Contains(report.NotRun.Single(n => n.Test == "weights").Reason, "endpoint");
        StringAssert.Contains(report.Answer, "no statistical test ran");
    }
}
