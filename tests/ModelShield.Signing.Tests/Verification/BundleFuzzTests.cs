using ModelShield.Signing.Oms;
using ModelShield.Testing.Fuzzing;
using ModelShield.Testing.Pki;

namespace ModelShield.Signing.Tests.Verification;

/// <summary>
/// Mutated signatures (the bundle's JSON, the base64 inside it: statement, DSSE signature, certificates; the detached
/// CMS) and trusted signatures over mutated statements all end in a verification result whose issues carry documented
/// MS50xx codes: never an exception, and never "verified" for a statement other than the one signed.
/// </summary>
[TestClass]
public sealed class BundleFuzzTests
{
    [TestMethod]
    public void Verify_MutatedKeyBundle_FailsClosedWithSigningCodes()
    {
        using var model = SigningFixtures.NewModelFolder();
        using var key = SigningFixtures.NewKey();
        var signed = ModelSigner.Sign(new SignRequest { ModelPath = model.Path, PrivateKey = key });
        var original = File.ReadAllBytes(signed.SignaturePath);
        var policy = TrustPolicy.ForPublicKeys([key]);

        new FuzzRun("key bundle", seed: 5001, []).Run(
            1000,
            random => JsonMutations.Mutate(random, original),
            mutant =>
            {
                File.WriteAllBytes(signed.SignaturePath, mutant.Bytes);
                return Outcome(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }), original, mutant.Bytes);
            }).AssertClean();
    }

    [TestMethod]
    public void Verify_MutatedCertificateBundleOrCms_FailsClosedWithSigningCodes()
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
        var bundle = File.ReadAllBytes(signed.SignaturePath);
        var cms = File.ReadAllBytes(signed.CmsPath!);
        var policy = TrustPolicy.ForRoots([ca.Root]) with { RequireTimestamp = true };

        new FuzzRun("certificate bundle and CMS", seed: 5002, []).Run(
            600,
            random =>
            {
                var isCms = random.Next(2) == 0;
                var mutant = isCms ? ByteMutations.Mutate(random, cms) : JsonMutations.Mutate(random, bundle);
                return mutant with { Description = (isCms ? "cms: " : "bundle: ") + mutant.Description };
            },
            mutant =>
            {
                var isCms = mutant.Description.StartsWith("cms", StringComparison.Ordinal);
                File.WriteAllBytes(signed.SignaturePath, isCms ? bundle : mutant.Bytes);
                File.WriteAllBytes(signed.CmsPath!, isCms ? mutant.Bytes : cms);
                return Outcome(ModelVerifier.Verify(new VerifyRequest { ModelPath = model.Path, Policy = policy }), bundle, isCms ? bundle : mutant.Bytes);
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
            800,
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
