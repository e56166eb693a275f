using System.Text;
using System.Text.Json.Nodes;
using ModelShield.Errors;

namespace ModelShield.Signing.Tests.Verification;

/// <summary>The nine bundles written by sigstore's reference implementation verify unchanged, and fail after any tampering.</summary>
[TestClass]
public sealed class ReferenceVectorTests
{
    public static IEnumerable<object[]> Vectors =>
    [
        ["v0.2.0-certificate"], ["v0.3.1-certificate"], ["v0.3.1-elliptic-key"], ["v1.0.0-certificate"], ["v1.0.0-elliptic-key"],
        ["v1.0.1-certificate"], ["v1.0.1-elliptic-key"], ["v1.1.0-certificate"], ["v1.1.0-elliptic-key"],
    ];

    [TestMethod]
    [DynamicData(nameof(Vectors))]
    public void Verify_ReferenceVector_Verifies(string vector)
    {
        using var copy = SigningFixtures.CopyVector(vector);
        var result = Verify(vector, copy.Path);
        Assert.IsTrue(result.Verified, Describe(result));
        Assert.IsGreaterThanOrEqualTo(1, result.FilesVerified);
    }

    [TestMethod]
    [DynamicData(nameof(Vectors))]
    public void Verify_ReferenceVectorWithOneByteChangedInSignedFile_FailsFileChanged(string vector)
    {
        using var copy = SigningFixtures.CopyVector(vector);
        var file = copy.File("signme-1");
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(file, bytes);
        var result = Verify(vector, copy.Path);
        Assert.IsFalse(result.Verified);
        var issue = result.Issues.Single(i => i.Code == ErrorCodes.FileChanged);
        Assert.IsTrue(issue.Path is "signme-1" or ".", issue.Path);
        Assert.AreNotEqual(issue.Expected, issue.Actual);
    }

    [TestMethod]
    [DynamicData(nameof(Vectors))]
    public void Verify_ReferenceVectorWithOneByteChangedInPayload_FailsSignatureInvalid(string vector)
    {
        using var copy = SigningFixtures.CopyVector(vector);
        EditBundle(copy, envelope =>
        {
            var payload = Convert.FromBase64String(envelope["payload"]!.GetValue<string>());
            var text = Encoding.UTF8.GetString(payload);
            var at = text.IndexOf("signme-1", StringComparison.Ordinal);
            payload[at + "signme-".Length] = (byte)'9';
            envelope["payload"] = Convert.ToBase64String(payload);
        });
        var result = Verify(vector, copy.Path);
        Assert.IsFalse(result.Verified);
        Assert.AreEqual(ErrorCodes.SignatureInvalid, result.Issues[0].Code, Describe(result));
    }

    [TestMethod]
    [DynamicData(nameof(Vectors))]
    public void Verify_ReferenceVectorWithOneByteChangedInSignature_FailsSignatureInvalid(string vector)
    {
        using var copy = SigningFixtures.CopyVector(vector);
        EditBundle(copy, envelope =>
        {
            var signature = envelope["signatures"]![0]!;
            var sig = Convert.FromBase64String(signature["sig"]!.GetValue<string>());
            sig[^3] ^= 0x01;
            signature["sig"] = Convert.ToBase64String(sig);
        });
        var result = Verify(vector, copy.Path);
        Assert.IsFalse(result.Verified);
        Assert.AreEqual(ErrorCodes.SignatureInvalid, result.Issues[0].Code, Describe(result));
    }

    [TestMethod]
    [DynamicData(nameof(Vectors))]
    public void Verify_ReferenceVectorWithAnotherKey_FailsUntrusted(string vector)
    {
        using var copy = SigningFixtures.CopyVector(vector);
        using var otherKey = SigningFixtures.NewKey("P-384");
        using var otherCa = Testing.Pki.TestCa.Create("Other");
        var policy = vector.Contains("certificate", StringComparison.Ordinal)
            ? TrustPolicy.ForRoots([otherCa.Root])
            : TrustPolicy.ForPublicKeys([otherKey]);
        var result = Verify(vector, copy.Path, policy);
        Assert.IsFalse(result.Verified);
        var expected = vector.Contains("certificate", StringComparison.Ordinal) ? ErrorCodes.ChainUntrusted : ErrorCodes.SignerNotTrusted;
        Assert.AreEqual(expected, result.Issues[0].Code, Describe(result));
    }

    [TestMethod]
    public void Verify_KeyBundlePresentedToCertificatePolicy_FailsMethodNotAllowed()
    {
        using var copy = SigningFixtures.CopyVector("v1.1.0-elliptic-key");
        var result = Verify("v1.1.0-elliptic-key", copy.Path, CertificatePolicy());
        Assert.AreEqual(ErrorCodes.MethodNotAllowed, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_CertificateBundlePresentedToKeyPolicy_FailsMethodNotAllowed()
    {
        using var copy = SigningFixtures.CopyVector("v1.1.0-certificate");
        var result = Verify("v1.1.0-certificate", copy.Path, KeyPolicy());
        Assert.AreEqual(ErrorCodes.MethodNotAllowed, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_StrictPolicyRefusingCaSigningCertificate_FailsChainUntrusted()
    {
        using var copy = SigningFixtures.CopyVector("v1.1.0-certificate");
        var result = Verify("v1.1.0-certificate", copy.Path, CertificatePolicy() with { AllowCaSigningCertificate = false });
        Assert.AreEqual(ErrorCodes.ChainUntrusted, result.Issues.Single().Code);
    }

    [TestMethod]
    public void Verify_ReferenceVectorWithoutCallerIgnore_ReportsUnsignedFile()
    {
        using var copy = SigningFixtures.CopyVector("v1.0.1-elliptic-key");
        var result = ModelVerifier.Verify(new VerifyRequest { ModelPath = copy.Path, Policy = KeyPolicy() });
        var issue = result.Issues.Single();
        Assert.AreEqual(ErrorCodes.FileUnsigned, issue.Code);
        Assert.AreEqual("ignore-me", issue.Path);
    }

    [TestMethod]
    public void Verify_V020BundleUnderPolicyRefusingLegacyPredicate_FailsAlgorithmNotAllowed()
    {
        using var copy = SigningFixtures.CopyVector("v0.2.0-certificate");
        var result = Verify("v0.2.0-certificate", copy.Path, CertificatePolicy() with { AllowLegacyPredicate = false });
        Assert.AreEqual(ErrorCodes.AlgorithmNotAllowed, result.Issues.Single().Code, Describe(result));
    }

    [TestMethod]
    public void Verify_CurrentStatementSignedWithLegacyEncoding_FailsSignatureInvalid()
    {
        // Only v0.2.0's legacy statements get the legacy encoding: a v1.0 statement signed that way is refused.
        using var copy = SigningFixtures.CopyVector("v1.1.0-elliptic-key");
        using var key = SigningKeys.LoadPrivateKey(Path.Combine(SigningFixtures.VectorKeys, "signing-key.pem"));
        EditBundle(copy, envelope =>
        {
            var message = Oms.LegacyPae.Encode(envelope["payloadType"]!.GetValue<string>(), Convert.FromBase64String(envelope["payload"]!.GetValue<string>()));
            var signature = key.SignData(message, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence);
            envelope["signatures"]![0]!["sig"] = Convert.ToBase64String(signature);
        });
        var result = Verify("v1.1.0-elliptic-key", copy.Path);
        Assert.IsFalse(result.Verified);
        Assert.AreEqual(ErrorCodes.SignatureInvalid, result.Issues[0].Code, Describe(result));
    }

    [TestMethod]
    [DataRow("it's", "b\"it's\"")]
    [DataRow("a'b\"c", "b'a\\'b\"c'")]
    [DataRow("\0\u00ff\n\\\t\r\u007f~", "b'\\x00\\xc3\\xbf\\n\\\\\\t\\r\\x7f~'")]
    public void PythonBytesRepr_MatchesPython(string utf8, string expected) =>
        Assert.AreEqual(expected, Oms.LegacyPae.PythonBytesRepr(Encoding.UTF8.GetBytes(utf8)));

    [TestMethod]
    public void Verify_PublicKeyHint_MatchesReferenceEncoding()
    {
        using var key = SigningKeys.LoadPublicKey(Path.Combine(SigningFixtures.VectorKeys, "signing-key-pub.pem"));
        Assert.AreEqual("e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e", Oms.KeyAlgorithms.Hint(key));
    }

    internal static TrustPolicy KeyPolicy() =>
        TrustPolicy.ForPublicKeys([SigningKeys.LoadPublicKey(Path.Combine(SigningFixtures.VectorKeys, "signing-key-pub.pem"))]);

    internal static TrustPolicy CertificatePolicy() =>
        TrustPolicy.ForRoots(SigningKeys.LoadCertificates(Path.Combine(SigningFixtures.VectorKeys, "ca-cert.pem")));

    internal static string Describe(VerificationResult result) =>
        string.Join("; ", result.Issues.Select(i => $"{i.Code} {i.Message}"));

    private static VerificationResult Verify(string vector, string folder, TrustPolicy? policy = null)
    {
        // Key-method vectors of v0.3.1 and v1.0.0 signed the single file signme-1; v1.0.1 had ignore-me ignored by the caller.
        var singleFile = vector is "v0.3.1-elliptic-key" or "v1.0.0-elliptic-key";
        return ModelVerifier.Verify(new VerifyRequest
        {
            ModelPath = singleFile ? Path.Combine(folder, "signme-1") : folder,
            SignaturePath = Path.Combine(folder, "model.sig"),
            Policy = policy ?? (vector.Contains("certificate", StringComparison.Ordinal) ? CertificatePolicy() : KeyPolicy()),
            IgnorePaths = vector.StartsWith("v1.0.1", StringComparison.Ordinal) ? [Path.Combine(folder, "ignore-me")] : [],
        });
    }

    private static void EditBundle(TempFolder copy, Action<JsonNode> editEnvelope)
    {
        var path = copy.File("model.sig");
        var bundle = JsonNode.Parse(File.ReadAllText(path))!;
        editEnvelope(bundle["dsseEnvelope"]!);
        File.WriteAllText(path, bundle.ToJsonString());
    }
}
