using System.Text;
using ModelShield.Errors;
using ModelShield.Testing.Fuzzing;

namespace ModelShield.Signing.Tests.Trust;

/// <summary>
/// Mutated trust policies (every field, with the key and certificate files they name beside them): each loads or fails
/// with MS5023, MS5020 or MS1001 (a named file that cannot be read).
/// </summary>
[TestClass]
public sealed class TrustPolicyFuzzTests
{
    [TestMethod]
    public void Load_MutatedPolicy_LoadsOrThrowsPolicyCodes()
    {
        using var folder = SigningFixtures.NewFolder();
        foreach (var file in new[] { "signing-key-pub.pem", "ca-cert.pem", "int-ca-cert.pem" })
        {
            File.Copy(Path.Combine(SigningFixtures.VectorKeys, file), folder.File(file));
        }

        var policy = Encoding.UTF8.GetBytes("""
            { "version": 1, "preset": "oms-interop", "roots": ["ca-cert.pem"], "intermediates": ["int-ca-cert.pem"],
              "timestampRoots": ["ca-cert.pem"], "publicKeys": ["signing-key-pub.pem"], "allowedMethods": ["key", "certificate"],
              "allowedSigners": [{ "subject": "CN=Release", "san": "release@modelshield.test", "certificateSha256": "00", "publicKey": "signing-key-pub.pem" }],
              "allowedHashAlgorithms": ["sha256"], "allowedSerializations": ["files", "shards"], "unsignedPathsAllowed": ["README.md"],
              "requireTimestamp": false, "allowLegacyPredicate": true, "allowCaSigningCertificate": true }
            """);
        var path = folder.File("policy.json");

        new FuzzRun("trust policy", seed: 5023, [ErrorCodes.PolicyMalformed, ErrorCodes.KeyUnusable, ErrorCodes.PathNotFound]).Run(
            300,
            random => JsonMutations.Mutate(random, policy),
            mutant =>
            {
                File.WriteAllBytes(path, mutant.Bytes);
                _ = TrustPolicy.Load(path);
                return "loaded";
            }).AssertClean();
    }
}
