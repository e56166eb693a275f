using System.Text.Json;
using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Fuzzing;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Fingerprinting.Tests;

/// <summary>
/// A fingerprint entry whose secret is mutated (what a kit written by a buggy or other version holds, sealed with the
/// right key): it must give a comparison or fail with a fingerprint or kit code, never crash, hang or allocate by the
/// entry's claims.
/// </summary>
[TestClass]
public sealed class FingerprintEntryFuzzTests
{
    private static readonly string[] Codes = [ErrorCodes.FingerprintEntryMalformed, ErrorCodes.FingerprintIncompatible, ErrorCodes.MalformedKit];

    [TestMethod]
    public async Task FromKitEntry_MutatedSecret_ReadsOrThrowsFingerprintCodesWithoutAllocatingByClaims()
    {
        using var temp = new TempFolder();
        var (entry, secret) = await EntryAsync(temp);

        new FuzzRun("fingerprint entry", seed: 7104, Codes).Run(
            400,
            random => JsonMutations.Mutate(random, secret),
            mutant => Read(entry, mutant) is null ? "no kit could hold it" : "read").AssertClean();
    }

    [TestMethod]
    public async Task CompareAsync_MutatedSecret_ComparesOrThrowsFingerprintCodes()
    {
        using var temp = new TempFolder();
        var (entry, secret) = await EntryAsync(temp);
        await using var suspect = FingerprintFixture.Local(temp, FingerprintFixture.NoisyCopy(0.05, seed: 3), "suspect");

        var run = await new FuzzRun("fingerprint entry compared", seed: 7105, Codes).RunAsync(
            300,
            random => JsonMutations.Mutate(random, secret),
            async mutant => Read(entry, mutant) is { } fingerprint ? (await FingerprintComparison.CompareAsync(suspect, fingerprint)).Verdict : "no kit could hold it");

        run.AssertClean();
    }

    private static async Task<(KitEntry Entry, byte[] Secret)> EntryAsync(TempFolder temp)
    {
        var entry = (await FingerprintFixture.RecordAsync(temp, nullModels: 3)).ToKitEntry(new string('0', 64));
        return (entry, JsonSerializer.SerializeToUtf8Bytes(entry.Secret));
    }

    /// <summary>
    /// The entry with the mutant as its secret, read as a fingerprint; null when a kit could not hold the mutant: no JSON
    /// object, or a property named twice (the kit reader refuses those with MS7001 before any entry is read).
    /// </summary>
    private static Fingerprint? Read(KitEntry entry, Mutant mutant)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(mutant.Bytes, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            return null;
        }

        return node is JsonObject secret ? Fingerprint.FromKitEntry(entry with { Secret = secret }) : null;
    }
}
