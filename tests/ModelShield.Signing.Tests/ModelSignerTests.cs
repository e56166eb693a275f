using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ModelShield.Errors;

namespace ModelShield.Signing.Tests;

[TestClass]
public sealed class ModelSignerTests
{
    [TestMethod]
    public void Sign_FolderWithKey_PassesIndependentCheckWithPlainCryptography()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey("P-384");
        var result = ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });

        // Read the bundle with plain JSON and check it with plain System.Security.Cryptography only.
        using var bundle = JsonDocument.Parse(File.ReadAllBytes(result.SignaturePath));
        var envelope = bundle.RootElement.GetProperty("dsseEnvelope");
        var payload = Convert.FromBase64String(envelope.GetProperty("payload").GetString()!);
        var type = envelope.GetProperty("payloadType").GetString()!;
        Assert.AreEqual("application/vnd.in-toto+json", type);
        var pae = Encoding.UTF8.GetBytes($"DSSEv1 {Encoding.UTF8.GetByteCount(type)} {type} {payload.Length} ").Concat(payload).ToArray();
        var signature = Convert.FromBase64String(envelope.GetProperty("signatures")[0].GetProperty("sig").GetString()!);
        using var publicOnly = ECDsa.Create(key.ExportParameters(false));
        Assert.IsTrue(publicOnly.VerifyData(pae, signature, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence));

        using var statement = JsonDocument.Parse(payload);
        Assert.AreEqual("https://model_signing/signature/v1.0", statement.RootElement.GetProperty("predicateType").GetString());
        var resources = statement.RootElement.GetProperty("predicate").GetProperty("resources").EnumerateArray().ToList();
        CollectionAssert.AreEqual(new[] { "config.json", "tokenizer/vocab.txt", "weights.bin" }, resources.Select(r => r.GetProperty("name").GetString()).ToArray());
        var concatenated = new List<byte>();
        foreach (var r in resources)
        {
            var digest = SHA256.HashData(File.ReadAllBytes(Path.Combine(model.Path, r.GetProperty("name").GetString()!)));
            Assert.AreEqual(Convert.ToHexStringLower(digest), r.GetProperty("digest").GetString());
            concatenated.AddRange(digest);
        }

        var subject = statement.RootElement.GetProperty("subject")[0].GetProperty("digest").GetProperty("sha256").GetString();
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(concatenated.ToArray())), subject);
    }

    [TestMethod]
    [DataRow("P-256")]
    [DataRow("P-384")]
    [DataRow("P-521")]
    public void Sign_EachCurve_VerifiesWithPublicKey(string curve)
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey(curve);
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = TrustPolicy.ForPublicKeys([key]) });
        Assert.IsTrue(result.Verified, Verification.ReferenceVectorTests.Describe(result));
        Assert.AreEqual(3, result.FilesVerified);
    }

    [TestMethod]
    public void Sign_Shards_NamesShardsAndDetectsChangeInOneShard()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        var signed = ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Shards = true, ShardSize = 1024 });
        Assert.AreEqual(2 + 5, signed.Resources); // two small files, weights.bin (5000 bytes) in five shards
        var policy = TrustPolicy.ForPublicKeys([key]);
        Assert.IsTrue(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }).Verified);

        var weights = model.File("weights.bin");
        var bytes = File.ReadAllBytes(weights);
        bytes[4500] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);
        var issue = ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }).Issues.Single();
        Assert.AreEqual(ErrorCodes.FileChanged, issue.Code);
        Assert.AreEqual("weights.bin", issue.Path);
        StringAssert.Contains(issue.Message, "weights.bin:4096:5000");
    }

    [TestMethod]
    public void Sign_FolderWithSymlink_Refused()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        File.CreateSymbolicLink(model.File("passwd"), "/etc/passwd");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key }));
        Assert.AreEqual(ErrorCodes.SymlinkRefused, ex.Code);
    }

    [TestMethod]
    public void Sign_EmptyFolder_Refused()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key }));
        Assert.AreEqual(ErrorCodes.EmptyModel, ex.Code);
    }

    [TestMethod]
    public void Sign_CaseCollidingNames_Refused()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        File.WriteAllText(model.File("Config.json"), "{}");
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key }));
        Assert.AreEqual(ErrorCodes.DuplicateResource, ex.Code);
    }

    [TestMethod]
    public void Sign_OnnxWithExternalDataAsSingleFile_RefusedSayingSignTheFolder()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, [1, 2, 3, 4]);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest { ModelPath = model.File("model.onnx"), PrivateKey = key }));
        Assert.AreEqual(ErrorCodes.ExternalDataNotCovered, ex.Code);
        StringAssert.Contains(ex.Message, "sign its folder");
    }

    [TestMethod]
    public void Sign_OnnxWithIgnoredExternalData_Refused()
    {
        using var model = SigningFixtures.NewFolder();
        using var key = SigningFixtures.NewKey();
        SigningFixtures.WriteExternalDataModel(model.Path, [1, 2, 3, 4]);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest
        {
            ModelPath = model.Path, PrivateKey = key, IgnorePaths = [model.File("weights.data")],
        }));
        Assert.AreEqual(ErrorCodes.ExternalDataNotCovered, ex.Code);
    }

    [TestMethod]
    public void Sign_IgnorePathOutsideModel_Refused()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest
        {
            ModelPath = model.Path, PrivateKey = key, IgnorePaths = [Path.GetTempPath()],
        }));
        Assert.AreEqual(ErrorCodes.SigningArgumentInvalid, ex.Code);
    }

    [TestMethod]
    public void Sign_IgnoredPath_RecordedRelativeAndAppliedAtVerification()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        var signed = ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, IgnorePaths = [model.File("tokenizer")] });
        CollectionAssert.Contains(signed.IgnorePaths.ToList(), "tokenizer");
        File.WriteAllText(model.File("tokenizer/vocab.txt"), "changed later, and ignored");
        Assert.IsTrue(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = TrustPolicy.ForPublicKeys([key]) }).Verified);
    }

    [TestMethod]
    public void Sign_ExistingOutputWithoutForce_Refused()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key }));
        Assert.AreEqual(ErrorCodes.OutputExists, ex.Code);
    }
}
