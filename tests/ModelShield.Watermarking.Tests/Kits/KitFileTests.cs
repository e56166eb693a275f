using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Watermarking.Tests.Kits;

[TestClass]
public sealed class KitFileTests
{
    private static readonly KitSecret RawKey = KitSecret.FromRawKey(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    [TestMethod]
    public void WriteRead_RawKey_RoundTripsEntriesAndKey()
    {
        using var temp = new TempFolder();
        var kit = OwnerKit.CreateNew();
        kit.Add(Entry());
        var path = temp.File("k.mskit");

        KitFile.Write(path, kit, RawKey, overwrite: false);
        var read = KitFile.Read(path, RawKey);

        Assert.AreEqual(kit.KitId, read.KitId);
        Assert.AreEqual(kit.Entries.Single().Id, read.Entries.Single().Id);
        CollectionAssert.AreEqual(kit.DeriveKey("x"), read.DeriveKey("x"));
        Assert.AreEqual(OwnerKit.Commitment(kit.Entries), OwnerKit.Commitment(read.Entries));
    }

    [TestMethod]
    public void Read_Passphrase_RightOneOpensWrongOneFails()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        KitFile.Write(path, OwnerKit.CreateNew(), KitSecret.FromPassphrase("correct horse"), overwrite: false);

        Assert.IsNotNull(KitFile.Read(path, KitSecret.FromPassphrase("correct horse")));
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => KitFile.Read(path, KitSecret.FromPassphrase("battery staple")));
        Assert.AreEqual(ErrorCodes.KitDecryptionFailed, ex.Code);
    }

    [TestMethod]
    public void Read_AnyByteAltered_Fails()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        KitFile.Write(path, OwnerKit.CreateNew(), RawKey, overwrite: false);
        var original = File.ReadAllBytes(path);

        // Header fields, ciphertext and tag: every region is authenticated.
        foreach (var index in new[] { 9, 20, 35, 60, original.Length / 2, original.Length - 1 })
        {
            var altered = (byte[])original.Clone();
            altered[index] ^= 0x01;
            File.WriteAllBytes(path, altered);

            var ex = Assert.ThrowsExactly<ModelShieldException>(() => KitFile.Read(path, RawKey), $"byte {index}");
            CollectionAssert.Contains(new[] { ErrorCodes.KitDecryptionFailed, ErrorCodes.MalformedKit }, ex.Code);
        }
    }

    [TestMethod]
    public void Read_Truncated_MalformedKit()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        KitFile.Write(path, OwnerKit.CreateNew(), RawKey, overwrite: false);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..40]);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => KitFile.Read(path, RawKey));

        Assert.AreEqual(ErrorCodes.MalformedKit, ex.Code);
    }

    [TestMethod]
    public void Read_NotAKit_MalformedKit()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(500));

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => KitFile.Read(path, RawKey));

        Assert.AreEqual(ErrorCodes.MalformedKit, ex.Code);
    }

    [TestMethod]
    [DataRow("{\"kitId\":\"k\",\"createdUtc\":\"2026-01-01T00:00:00+00:00\",\"masterKey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"entries\":[null]}")]
    [DataRow("{\"kitId\":\"k\",\"createdUtc\":\"2026-01-01T00:00:00+00:00\",\"masterKey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"entries\":[{\"id\":\"x\",\"scheme\":\"weights\",\"createdUtc\":\"2026-01-01T00:00:00+00:00\",\"modelSha256\":\"\",\"summary\":{},\"secret\":{}}]}")]
    [DataRow("{\"kitId\":\"k\",\"createdUtc\":\"2026-01-01T00:00:00+00:00\",\"masterKey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"entries\":[{\"id\":\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\",\"scheme\":null,\"createdUtc\":\"2026-01-01T00:00:00+00:00\",\"modelSha256\":\"\",\"summary\":{},\"secret\":{}}]}")]
    [DataRow("{\"kitId\":\"k\",\"createdUtc\":\"2026-01-01T00:00:00+00:00\",\"masterKey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"entries\":[{\"id\":\"3f2504e0-4f89-41d3-9a0c-0305e82c3301\",\"scheme\":\"weights\",\"createdUtc\":\"2026-01-01T00:00:00+00:00\",\"modelSha256\":\"\",\"summary\":{\"a\":1,\"a\":2},\"secret\":{}}]}")]
    public void Decrypt_ContentWithNullEntryShortIdNullFieldOrRepeatedName_MalformedKit(string json)
    {
        var sealedKit = KitFile.Seal(System.Text.Encoding.UTF8.GetBytes(json), RawKey);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => KitFile.Decrypt(sealedKit, RawKey, "k"));

        Assert.AreEqual(ErrorCodes.MalformedKit, ex.Code, ex.Message);
    }

    [TestMethod]
    public void Read_RawKeyKitWithPassphrase_SaysWhichSecretIsNeeded()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        KitFile.Write(path, OwnerKit.CreateNew(), RawKey, overwrite: false);

        var ex = Assert.ThrowsExactly<ModelShieldException>(() => KitFile.Read(path, KitSecret.FromPassphrase("x")));

        Assert.AreEqual(ErrorCodes.KitDecryptionFailed, ex.Code);
        StringAssert.Contains(ex.Message, "--kit-key-file");
    }

    [TestMethod]
    public void Update_AddsEntryAndKeepsEarlierOnes()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        var kit = OwnerKit.CreateNew();
        var first = Entry();
        var second = Entry();
        kit.Add(first);
        KitFile.Write(path, kit, RawKey, overwrite: false);

        KitFile.Update(path, RawKey, k => k.Add(second));

        CollectionAssert.AreEqual(new[] { first.Id, second.Id }, KitFile.Read(path, RawKey).Entries.Select(e => e.Id).ToArray());
    }

    [TestMethod]
    public void Update_FailingUpdate_LeavesKitUnchanged()
    {
        using var temp = new TempFolder();
        var path = temp.File("k.mskit");
        KitFile.Write(path, OwnerKit.CreateNew(), RawKey, overwrite: false);
        var before = File.ReadAllBytes(path);

        Assert.ThrowsExactly<InvalidOperationException>(() => KitFile.Update(path, RawKey, _ => throw new InvalidOperationException("boom")));

        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void Resolve_NoSecretAnywhere_KitSecretMissing()
    {
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => KitSecret.Resolve(null, null, _ => null));

        Assert.AreEqual(ErrorCodes.KitSecretMissing, ex.Code);
    }

    [TestMethod]
    public void Resolve_HexKeyFile_ReadsKey()
    {
        using var temp = new TempFolder();
        var path = temp.File("key.hex");
        File.WriteAllText(path, Convert.ToHexString(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()) + "\n");

        var secret = KitSecret.Resolve(null, path);

        Assert.IsTrue(secret.IsRawKey);
        Assert.AreEqual("raw key", secret.ToString());
    }

    [TestMethod]
    public void Resolve_PassphraseFromEnvironment_Used()
    {
        var secret = KitSecret.Resolve(null, null, name => name == KitSecret.PassphraseVariable ? "from env" : null);

        Assert.IsFalse(secret.IsRawKey);
    }

    private static KitEntry Entry() =>
        new(Guid.NewGuid().ToString("D"), "test", DateTimeOffset.UnixEpoch, "00", new JsonObject { ["n"] = 1 }, new JsonObject { ["secret"] = "s" });
}
