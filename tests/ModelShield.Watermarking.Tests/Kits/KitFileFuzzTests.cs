using System.Text.Json;
using Google.Protobuf;
using ModelShield.Errors;
using ModelShield.Onnx.Files;
using ModelShield.Testing.Files;
using ModelShield.Testing.Fuzzing;
using ModelShield.Testing.Models;
using ModelShield.Watermarking.Kits;
using ModelShield.Watermarking.Triggers;
using ModelShield.Watermarking.Weights;

namespace ModelShield.Watermarking.Tests.Kits;

/// <summary>
/// Mutated kits: the file (header fields, ciphertext, tag), which must fail to open with MS7001 or MS7002; and the JSON
/// inside, sealed again with the right key (what a kit written by a buggy or other version holds), which must open and
/// serve its weight and trigger entries to detection or fail with a kit or watermark code. (Layout is left out: it
/// serves repair, right after embedding, from an entry that never left memory.)
/// </summary>
[TestClass]
public sealed class KitFileFuzzTests
{
    private static readonly KitSecret RawKey = KitSecret.FromRawKey(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static readonly string[] ContentCodes =
    [
        ErrorCodes.MalformedKit, ErrorCodes.KitEntryMissing, ErrorCodes.WatermarkCapacity, ErrorCodes.WatermarkPayloadInvalid,
    ];

    [TestMethod]
    public void Read_MutatedKitFile_OpensOnlyUnchangedOrThrowsKitCodes()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        KitFile.Write(path, Kit(out _), RawKey, overwrite: false);
        var original = File.ReadAllBytes(path);

        new FuzzRun("kit file", seed: 7001, [ErrorCodes.MalformedKit, ErrorCodes.KitDecryptionFailed]).Run(
            600,
            // The header: version at 8, key source at 10, iterations at 11, ciphertext length at 43.
            random => ByteMutations.Mutate(random, original, [8, 10, 11, 43]),
            mutant =>
            {
                File.WriteAllBytes(path, mutant.Bytes);
                _ = KitFile.Read(path, RawKey);
                CollectionAssert.AreEqual(original, mutant.Bytes, "a changed kit opened");
                return "opened";
            }).AssertClean();
    }

    [TestMethod]
    public void Decrypt_KitWithMutatedContent_ServesEntriesOrThrowsKitCodes()
    {
        var kit = Kit(out var suspect);
        var document = JsonSerializer.SerializeToUtf8Bytes(kit.ToDocument(), OwnerKit.Json);

        new FuzzRun("kit content", seed: 7002, ContentCodes).Run(
            1000,
            random => JsonMutations.Mutate(random, document),
            mutant =>
            {
                var opened = KitFile.Decrypt(KitFile.Seal([.. mutant.Bytes], RawKey), RawKey, "mutant");
                _ = OwnerKit.Commitment(opened.Entries);
                foreach (var entry in opened.Entries)
                {
                    if (entry.Scheme == WeightWatermark.SchemeId)
                    {
                        _ = WeightWatermark.Detect(suspect, opened, entry);
                    }
                    else
                    {
                        _ = TriggerWatermark.Regenerate(opened, entry);
                    }
                }

                return "served";
            }).AssertClean();
    }

    /// <summary>A kit with a weight mark embedded in a tiny MLP (returned as the suspect) and a trigger set.</summary>
    private static OwnerKit Kit(out OnnxModel marked)
    {
        var kit = OwnerKit.CreateNew();
        marked = OnnxModel.Parse(TinyModels.Mlp(64, 32, 4).ToByteArray(), null);
        kit.Add(WeightWatermark.Embed(marked, kit, WatermarkPayload.FromText("fuzz", new byte[32], 32)).Entry);
        kit.Add(TriggerWatermark.NewEntry("noise", 20, [64], 4));
        return kit;
    }
}
