using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Signing.Manifest;
using ModelShield.Signing.Oms;
using ModelShield.Testing.Pki;

namespace ModelShield.Signing.Tests.Verification;

/// <summary>Every case of the threat model fails closed, with the precise reason.</summary>
[TestClass]
public sealed class ThreatModelTests
{
    [TestMethod]
    public void Verify_ChangedFile_ReportsExpectedAndActualDigest()
    {
        using var model = Signed(out var policy);
        File.AppendAllText(model.File("config.json"), " ");
        var issue = Verify(model, policy).Issues.Single();
        Assert.AreEqual(ErrorCodes.FileChanged, issue.Code);
        Assert.AreEqual("config.json", issue.Path);
        Assert.IsNotNull(issue.Expected);
        Assert.AreNotEqual(issue.Expected, issue.Actual);
    }

    [TestMethod]
    public void Verify_MissingFile_ReportsMissing()
    {
        using var model = Signed(out var policy);
        File.Delete(model.File("tokenizer/vocab.txt"));
        var issue = Verify(model, policy).Issues.Single();
        Assert.AreEqual(ErrorCodes.FileMissing, issue.Code);
        Assert.AreEqual("tokenizer/vocab.txt", issue.Path);
    }

    [TestMethod]
    public void Verify_ExtraFile_ReportsUnsignedUnlessTolerated()
    {
        using var model = Signed(out var policy);
        File.WriteAllText(model.File("backdoor.py"), "import os");
        var issue = Verify(model, policy).Issues.Single();
        Assert.AreEqual(ErrorCodes.FileUnsigned, issue.Code);
        Assert.AreEqual("backdoor.py", issue.Path);
        Assert.IsTrue(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy, IgnoreUnsignedFiles = true }).Verified);
        Assert.IsTrue(Verify(model, policy with { UnsignedPathsAllowed = ["backdoor.py"] }).Verified);
    }

    [TestMethod]
    public void Verify_SymlinkAddedAfterSigning_Refused()
    {
        using var model = Signed(out var policy);
        File.Delete(model.File("config.json"));
        File.CreateSymbolicLink(model.File("config.json"), "/etc/hostname");
        var result = Verify(model, policy);
        Assert.AreEqual(ErrorCodes.SymlinkRefused, result.Issues[0].Code);
        Assert.IsTrue(result.Issues.Any(i => i.Code == ErrorCodes.FileMissing && i.Path == "config.json"));
    }

    [TestMethod]
    public void Verify_ExternalDataFileChanged_ReportsThatFile()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, [1, 2, 3, 4]);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        var bytes = File.ReadAllBytes(model.File("weights.data"));
        bytes[0] ^= 1;
        File.WriteAllBytes(model.File("weights.data"), bytes);
        var issue = Verify(model, TrustPolicy.ForPublicKeys([key])).Issues.Single();
        Assert.AreEqual(ErrorCodes.FileChanged, issue.Code);
        Assert.AreEqual("weights.data", issue.Path);
    }

    [TestMethod]
    [DataRow("../outside.bin", ErrorCodes.UnsafeResourceName)]
    [DataRow("/etc/passwd", ErrorCodes.UnsafeResourceName)]
    [DataRow("a/./b", ErrorCodes.UnsafeResourceName)]
    [DataRow("config.json", ErrorCodes.DuplicateResource)]
    [DataRow("CONFIG.JSON", ErrorCodes.DuplicateResource)]
    public void Verify_TrustedSignatureOverHostileResourceName_FailsClosed(string extraName, string code)
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        var resources = new List<ResourceDigest>
        {
            new("config.json", "sha256", new byte[32]),
            new(extraName, "sha256", new byte[32]),
        };
        WriteBundle(model, key, resources);
        var result = Verify(model, TrustPolicy.ForPublicKeys([key]));
        Assert.IsFalse(result.Verified);
        Assert.IsTrue(result.Issues.Any(i => i.Code == code), ReferenceVectorTests.Describe(result));
        Assert.AreEqual(0, result.FilesVerified, "no file is hashed when the statement itself is refused");
    }

    [TestMethod]
    public void Verify_TrustedSignatureOverNoResource_FailsEmptyModel()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        WriteBundle(model, key, []);
        Assert.AreEqual(ErrorCodes.EmptyModel, Verify(model, TrustPolicy.ForPublicKeys([key])).Issues[0].Code);
    }

    [TestMethod]
    public void Verify_TrustedSignatureWithUnknownHash_FailsAlgorithmNotAllowed()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        WriteBundle(model, key, [new("config.json", "blake2b", new byte[32])]);
        Assert.AreEqual(ErrorCodes.AlgorithmNotAllowed, Verify(model, TrustPolicy.ForPublicKeys([key])).Issues[0].Code);
    }

    [TestMethod]
    public void Verify_StrippedSignatures_FailsSignatureMissing()
    {
        using var model = Signed(out var policy);
        EditBundle(model, b => b["dsseEnvelope"]!["signatures"] = new JsonArray());
        Assert.AreEqual(ErrorCodes.SignatureMissing, Verify(model, policy).Issues.Single().Code);
        EditBundle(model, b => b["dsseEnvelope"]!.AsObject().Remove("signatures"));
        Assert.AreEqual(ErrorCodes.SignatureMissing, Verify(model, policy).Issues.Single().Code);
    }

    [TestMethod]
    [DataRow("not json at all")]
    [DataRow("{}")]
    [DataRow("[1,2,3]")]
    [DataRow("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{\"hint\":\"x\"},\"x509CertificateChain\":{\"certificates\":[]}},\"dsseEnvelope\":{}}")]
    [DataRow("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{}},\"dsseEnvelope\":{\"payload\":\"%%%\",\"payloadType\":\"application/vnd.in-toto+json\"}}")]
    [DataRow("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"verificationMaterial\":{\"publicKey\":{}},\"dsseEnvelope\":{\"payload\":\"e30=\",\"payloadType\":\"application/vnd.in-toto+json\"}}")]
    [DataRow("{\"mediaType\":\"\\ud800\"}")]
    [DataRow("{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}")]
    public void Verify_MalformedBundle_IsAVerdictNotACrash(string bundle)
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        File.WriteAllText(model.File("model.sig"), bundle);
        var result = Verify(model, TrustPolicy.ForPublicKeys([key]));
        Assert.AreEqual(ErrorCodes.SignatureBundleMalformed, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_LeafCertificateWithDamagedKey_FailsMalformedBundle()
    {
        using var ca = TestCa.Create();
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Release", key);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Chain = [ca.Intermediate] });
        var der = leaf.RawData;
        der[der.AsSpan().IndexOf(leaf.PublicKey.EncodedKeyValue.RawData)] = 0x05; // no EC point encoding starts so (0x06 and 0x07 are hybrid points); read only when the key is used
        EditBundle(model, b => b["verificationMaterial"]!["x509CertificateChain"]!["certificates"]![0]!["rawBytes"] = Convert.ToBase64String(der));

        var issue = Verify(model, TrustPolicy.ForRoots([ca.Root])).Issues.Single();

        Assert.AreEqual(ErrorCodes.SignatureBundleMalformed, issue.Code);
    }

    [TestMethod]
    public void Verify_BundleNamingAKeyOnAnUnknownCurve_FailsMalformedBundle()
    {
        using var model = Signed(out var policy);
        EditBundle(model, b =>
        {
            var publicKey = b["verificationMaterial"]!["publicKey"]!.AsObject();
            publicKey.Remove("hint");
            publicKey["rawBytes"] = Convert.ToBase64String(SigningKeysTests.UnknownCurveKey());
        });

        Assert.AreEqual(ErrorCodes.SignatureBundleMalformed, Verify(model, policy).Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_SubjectDigestNotMatchingResources_Fails()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        var statement = JsonNode.Parse(InTotoStatement.Build("m", new ModelManifest(Files(), [new("config.json", "sha256", new byte[32])])))!;
        statement["subject"]![0]!["digest"]!["sha256"] = new string('0', 64);
        SigningFixtures.WriteSignedStatement(model.File("model.sig"), key, System.Text.Encoding.UTF8.GetBytes(statement.ToJsonString()));
        Assert.AreEqual(ErrorCodes.SubjectDigestMismatch, Verify(model, TrustPolicy.ForPublicKeys([key])).Issues[0].Code);
    }

    private static TempFolder Signed(out TrustPolicy policy)
    {
        var model = SigningFixtures.NewModelFolder();
        var key = SigningFixtures.NewKey();
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        policy = TrustPolicy.ForPublicKeys([key]);
        return model;
    }

    private static VerificationResult Verify(TempFolder model, TrustPolicy policy) =>
        ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy });

    private static Serialization Files() => new(Serialization.Files, "sha256", false, [], null);

    private static void WriteBundle(TempFolder model, System.Security.Cryptography.ECDsa key, List<ResourceDigest> resources) =>
        SigningFixtures.WriteSignedStatement(model.File("model.sig"), key, InTotoStatement.Build("m", new ModelManifest(Files(), resources)));

    private static void EditBundle(TempFolder model, Action<JsonNode> edit)
    {
        var bundle = JsonNode.Parse(File.ReadAllText(model.File("model.sig")))!;
        edit(bundle);
        File.WriteAllText(model.File("model.sig"), bundle.ToJsonString());
    }
}
