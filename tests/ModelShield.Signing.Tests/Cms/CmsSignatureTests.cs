using ModelShield.Errors;
using ModelShield.Testing.Pki;

namespace ModelShield.Signing.Tests.Cms;

[TestClass]
public sealed class CmsSignatureTests
{
    [TestMethod]
    public void Sign_CmsWithTimestampFromLocalAuthority_VerifiesAndProvesSigningTime()
    {
        using var ca = TestCa.Create();
        using var tsa = ca.IssueTimestamping();
        using var responder = new TimestampResponder(tsa);
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Release Engineering, O=ModelShield Tests", key);
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);
        SignResult signed;
        try
        {
            signed = ModelSigner.Sign(new SignRequest
            {
                ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Chain = [ca.Intermediate], Cms = true, TimestampAuthority = responder.Url,
            });
        }
        catch (ModelShieldException ex)
        {
            throw new AssertFailedException($"{ex.Message}; responder: {responder.LastError}", ex);
        }

        Assert.IsTrue(File.Exists(signed.CmsPath));
        Assert.AreEqual(1, responder.Issued);

        var policy = TrustPolicy.ForRoots([ca.Root]) with { RequireTimestamp = true, AllowCaSigningCertificate = false };
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy });
        Assert.IsTrue(result.Verified, Verification.ReferenceVectorTests.Describe(result));
        Assert.IsNotNull(result.SignedAt);
        Assert.IsTrue(result.SignedAt >= before && result.SignedAt <= DateTimeOffset.UtcNow.AddSeconds(2), $"{result.SignedAt}");
        Assert.AreEqual("CN=ModelShield Test TSA", result.TimestampAuthority);
        Assert.AreEqual(leaf.Subject, result.Signer);
    }

    [TestMethod]
    public void Verify_TamperedCms_FailsCmsSignatureInvalid()
    {
        using var ca = TestCa.Create();
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Release", key);
        var signed = ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Chain = [ca.Intermediate], Cms = true });
        var bytes = File.ReadAllBytes(signed.CmsPath!);
        bytes[^10] ^= 0x55;
        File.WriteAllBytes(signed.CmsPath!, bytes);
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = TrustPolicy.ForRoots([ca.Root]) });
        Assert.AreEqual(ErrorCodes.CmsSignatureInvalid, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_TimestampRequiredButAbsent_FailsTimestampMissing()
    {
        using var ca = TestCa.Create();
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Release", key);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Chain = [ca.Intermediate], Cms = true });
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = TrustPolicy.ForRoots([ca.Root]) with { RequireTimestamp = true } });
        Assert.AreEqual(ErrorCodes.TimestampMissing, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_TimestampAuthorityFromUntrustedRoot_FailsTimestampInvalid()
    {
        using var ca = TestCa.Create();
        using var rogue = TestCa.Create("Rogue");
        using var tsa = rogue.IssueTimestamping();
        using var responder = new TimestampResponder(tsa);
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Release", key);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Chain = [ca.Intermediate], Cms = true, TimestampAuthority = responder.Url });
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = TrustPolicy.ForRoots([ca.Root]) });
        Assert.AreEqual(ErrorCodes.TimestampInvalid, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_ExpiredSigningCertificate_FailsCertificateExpired()
    {
        using var ca = TestCa.Create();
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Old", key, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMinutes(-5));
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Chain = [ca.Intermediate] });
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = TrustPolicy.ForRoots([ca.Root]) });
        Assert.AreEqual(ErrorCodes.CertificateExpired, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Sign_UnreachableTimestampAuthority_FailsClearly()
    {
        using var ca = TestCa.Create();
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Release", key);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest
        {
            ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Cms = true, TimestampAuthority = new Uri("http://127.0.0.1:9/tsa"),
        }));
        Assert.AreEqual(ErrorCodes.TimestampAuthorityFailed, ex.Code);
        Assert.IsFalse(File.Exists(model.File("model.sig")), "nothing is written when signing fails");
    }
}
