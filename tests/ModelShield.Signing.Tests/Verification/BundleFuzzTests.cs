using ModelShield.Signing.Oms;
using ModelShield.Testing.Fuzzing;
using ModelShield.Testing.Pki;

namespace ModelShield.Signing.Tests.Verification;

/// <summary>
/// Mutated signatures (reference bundles' JSON and the base64 inside it: statement, DSSE signature, certificates; a
/// detached CMS with its timestamp) and trusted signatures over mutated statements all end in a verification result
/// whose issues carry documented MS50xx codes: never an exception, and never "verified" for a statement other than the
/// one signed.
/// </summary>
[TestClass]
public sealed class BundleFuzzTests
{
    [TestMethod]
    [DataRow("v1.1.0-elliptic-key", 5001)]
    [DataRow("v1.1.0-certificate", 5002)]
    public void Verify_MutatedReferenceBundle_FailsClosedWithSigningCodes(string vector, int seed)
    {
        using var model = SigningFixtures.CopyVector(vector);
        var bundlePath = model.File("model.sig");
        var original = File.ReadAllBytes(bundlePath);
        var policy = vector.Contains("certificate", StringComparison.Ordinal) ? ReferenceVectorTests.CertificatePolicy() : ReferenceVectorTests.KeyPolicy();

        new FuzzRun($"bundle {vector}", seed, []).Run(
            500,
            random => JsonMutations.Mutate(random, original),
            mutant =>
            {
                File.WriteAllBytes(bundlePath, mutant.Bytes);
                return Outcome(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }), original, mutant.Bytes);
            }).AssertClean();
    }

    /// <summary>The CMS and its timestamp are made by a test CA and authority at run time (fresh keys), unlike the bundles above.</summary>
    [TestMethod]
    public void Verify_MutatedCms_FailsClosedWithSigningCodes()
    {
        using var ca = TestCa.Create();
        using var tsa = ca.IssueTimestamping();
        using var responder = new TimestampResponder(tsa);
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        using var leaf = ca.IssueCodeSigning("CN=Release, O=ModelShield Tests", key);
        var signed = ModelSigner.Sign(new SignRequest
        {
            ModelPath = model.Path, PrivateKey = key, Certificate = leaf, Chain = [ca.Intermediate], Cms = true, TimestampAuthority = responder.Url,
        });
        var cms = File.ReadAllBytes(signed.CmsPath!);
        var policy = TrustPolicy.ForRoots([ca.Root]) with { RequireTimestamp = true };

        new FuzzRun("detached CMS", seed: 5004, []).Run(
            300,
            random => ByteMutations.Mutate(random, cms),
            mutant =>
            {
                File.WriteAllBytes(signed.CmsPath!, mutant.Bytes);
                return Outcome(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }), null, null);
            }).AssertClean();
    }

    [TestMethod]
    public void Verify_TrustedSignatureOverMutatedStatement_FailsClosedWithSigningCodes()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        var policy = TrustPolicy.ForPublicKeys([key]);
        var statements = new[] { false, true }.Select(shards =>
        {
            var signed = ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key, Shards = shards, ShardSize = 1024, Force = true });
            return SigstoreBundle.Parse(File.ReadAllBytes(signed.SignaturePath)).Payload;
        }).ToArray();
        var bundlePath = model.File("model.sig");

        new FuzzRun("signed statement", seed: 5003, []).Run(
            500,
            random => JsonMutations.Mutate(random, statements[random.Next(statements.Length)]),
            mutant =>
            {
                SigningFixtures.WriteSignedStatement(bundlePath, key, mutant.Bytes);
                return Outcome(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }), null, null);
            }).AssertClean();
    }

    /// <summary>
    /// The run's label for a result, after checking its issue codes; when <paramref name="originalBundle"/> is given, a
    /// verified mutant must carry exactly the statement that was signed.
    /// </summary>
    private static string Outcome(VerificationResult result, byte[]? originalBundle, byte[]? mutantBundle)
    {
        foreach (var issue in result.Issues)
        {
            Assert.IsTrue(issue.Code.StartsWith("MS50", StringComparison.Ordinal) && FuzzRun.IsDocumented(issue.Code), $"issue code {issue.Code}: {issue.Message}");
        }

        if (result.Verified && originalBundle is not null)
        {
            CollectionAssert.AreEqual(Payload(originalBundle), Payload(mutantBundle!), "a mutant verified with another statement than the one signed");
        }

        return result.Verified ? "verified" : result.Issues[0].Code;
    }

    private static byte[] Payload(byte[] bundle) => SigstoreBundle.Parse(bundle).Payload;
}
