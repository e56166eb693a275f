using ModelShield.Errors;
using ModelShield.Testing.Pki;

namespace ModelShield.Signing.Tests.Trust;

[TestClass]
public sealed class TrustPolicyTests
{
    [TestMethod]
    public void Load_PolicyWithRootsAndAllowedSigner_AcceptsThatSignerOnly()
    {
        using var ca = TestCa.Create();
        using var folder = SigningFixtures.NewFolder();
        TestCa.WritePem(folder.File("root.pem"), ca.Root);
        File.WriteAllText(folder.File("policy.json"), """
            { "version": 1, "preset": "strict", "roots": ["root.pem"], "allowedMethods": ["certificate"],
              "allowedSigners": [{ "subject": "CN=Release", "san": "release@modelshield.test" }] }
            """);
        var policy = TrustPolicy.Load(folder.File("policy.json"));

        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var good = ca.IssueCodeSigning("CN=Release", key);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Certificate = good, Chain = [ca.Intermediate] });
        Assert.IsTrue(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }).Verified);

        using var other = ca.IssueCodeSigning("CN=Intern", key);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Certificate = other, Chain = [ca.Intermediate], Force = true });
        Assert.AreEqual(ErrorCodes.SignerNotTrusted, ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }).Issues.Single().Code);
    }

    [TestMethod]
    [DataRow("""{ "version": 1, "roots": [] , "typo": true }""")]
    [DataRow("""{ "version": 2, "publicKeys": ["k.pem"] }""")]
    [DataRow("""{ "version": 1 }""")]
    [DataRow("""{ "version": 1, "preset": "lenient", "publicKeys": ["k.pem"] }""")]
    [DataRow("""{ "version": 1, "publicKeys": ["k.pem"], "allowedMethods": ["gpg"] }""")]
    [DataRow("""not json""")]
    [DataRow("""{ "version": 1, "publicKeys": ["k.pem"], "allowedSigners": [{ "publicKey": null }] }""")]
    public void Load_MalformedPolicy_FailsPolicyMalformed(string json)
    {
        using var folder = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        File.WriteAllText(folder.File("k.pem"), key.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(folder.File("policy.json"), json);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => TrustPolicy.Load(folder.File("policy.json")));
        Assert.AreEqual(ErrorCodes.PolicyMalformed, ex.Code);
    }

    [TestMethod]
    public void Load_TimestampedPreset_RequiresTimestampAndCertificates()
    {
        using var folder = SigningFixtures.NewFolder();
        using var ca = TestCa.Create();
        TestCa.WritePem(folder.File("root.pem"), ca.Root);
        File.WriteAllText(folder.File("policy.json"), """{ "version": 1, "preset": "timestamped", "roots": ["root.pem"] }""");
        var policy = TrustPolicy.Load(folder.File("policy.json"));
        Assert.IsTrue(policy.RequireTimestamp);
        CollectionAssert.AreEquivalent(new[] { SigningMethod.Certificate }, policy.AllowedMethods.ToArray());
    }
}
