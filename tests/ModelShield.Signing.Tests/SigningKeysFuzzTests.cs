using System.Security.Cryptography;
using System.Text;
using ModelShield.Errors;
using ModelShield.Testing.Fuzzing;

namespace ModelShield.Signing.Tests;

/// <summary>
/// Mutated PEM public keys and certificates (the API takes both as uploads: publicKey, trustRoot), in their text
/// or in the DER inside: each loads or fails with MS5020.
/// </summary>
[TestClass]
public sealed class SigningKeysFuzzTests
{
    [TestMethod]
    public void LoadPublicKeyAndCertificates_MutatedPem_LoadOrThrowKeyUnusable()
    {
        using var folder = new TempFolder();
        var publicKey = File.ReadAllBytes(Path.Combine(SigningFixtures.VectorKeys, "signing-key-pub.pem"));
        var certificates = File.ReadAllBytes(Path.Combine(SigningFixtures.VectorKeys, "ca-cert.pem"));
        var path = folder.File("material.pem");

        new FuzzRun("PEM key or certificate", seed: 5020, [ErrorCodes.KeyUnusable]).Run(
            600,
            random =>
            {
                var isKey = random.Next(2) == 0;
                var pem = isKey ? publicKey : certificates;
                var mutant = random.Next(2) == 0 ? ByteMutations.Mutate(random, pem) : InDer(random, pem);
                return mutant with { Description = $"{(isKey ? "key" : "certificates")}: {mutant.Description}" };
            },
            mutant =>
            {
                File.WriteAllBytes(path, mutant.Bytes);
                if (mutant.Description.StartsWith("key", StringComparison.Ordinal))
                {
                    using var loaded = SigningKeys.LoadPublicKey(path);
                    return "key";
                }

                return $"{SigningKeys.LoadCertificates(path).Count} certificates";
            }).AssertClean();
    }

    /// <summary>The first PEM block's DER mutated, and written back as PEM.</summary>
    private static Mutant InDer(Random random, byte[] pem)
    {
        var text = Encoding.ASCII.GetString(pem);
        var fields = PemEncoding.Find(text);
        var der = Convert.FromBase64String(text[fields.Base64Data]);
        var mutant = ByteMutations.Mutate(random, der);
        var label = text[fields.Label];
        var block = PemEncoding.WriteString(label, mutant.Bytes);
        return new Mutant(Encoding.ASCII.GetBytes(text[..fields.Location.Start] + block + text[fields.Location.End..]), $"in DER: {mutant.Description}");
    }
}
