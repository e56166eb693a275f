using System.Security.Cryptography;
using System.Text;
using ModelShield.Api.KeyStore;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;
using ModelShield.Watermarking.Kits;

namespace ModelShield.Api.Tests.KeyStore;

[TestClass]
public sealed class ServerKeyStoreTests
{
    [TestMethod]
    public async Task OpenKit_ImportedWithPassphrase_OpensWithTheStoreKeyOnlyAndKeepsNoPassphrase()
    {
        using var env = new ApiTestEnvironment();
        using (var lease = await env.KeyStore.OpenKitAsync(ApiTestEnvironment.KitId, forUpdate: true, CancellationToken.None))
        {
            Assert.IsTrue(lease.Secret.IsRawKey);
            Assert.IsNotNull(KitFile.Read(lease.Path, lease.Secret).KitId);
        }

        var stored = File.ReadAllBytes(Path.Combine(env.Options.KeyStore.Folder, ApiTestEnvironment.KitId + ".mskey"));
        Assert.AreEqual(-1, stored.AsSpan().IndexOf(Encoding.UTF8.GetBytes(ApiTestEnvironment.KitPassphrase)));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(env.Options.TempFolder!, "kits")));
    }

    [TestMethod]
    public void OpenSigningKey_StoredKey_SignsLikeTheOriginal()
    {
        using var env = new ApiTestEnvironment();
        using var material = env.KeyStore.OpenSigningKey(ApiTestEnvironment.SigningKeyId);
        var data = "data"u8.ToArray();
        Assert.IsTrue(env.SigningKey.VerifyData(data, material.Key.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
        Assert.IsNull(material.Certificate);
    }

    [TestMethod]
    public void OpenSigningKey_OtherMasterKey_ThrowsMS1061()
    {
        using var env = new ApiTestEnvironment();
        File.WriteAllBytes(env.Options.KeyStore.MasterKeyFile, RandomNumberGenerator.GetBytes(32));
        var fresh = new ServerKeyStore(env.Options);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => fresh.OpenSigningKey(ApiTestEnvironment.SigningKeyId));
        Assert.AreEqual(ErrorCodes.KeyStoreEntryInvalid, ex.Code);
    }

    [TestMethod]
    public void OpenSigningKey_EntryRenamed_ThrowsMS1061()
    {
        using var env = new ApiTestEnvironment();
        var folder = env.Options.KeyStore.Folder;
        File.Copy(Path.Combine(folder, ApiTestEnvironment.SigningKeyId + ".mskey"), Path.Combine(folder, "renamed.mskey"));
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => env.KeyStore.OpenSigningKey("renamed"));
        Assert.AreEqual(ErrorCodes.KeyStoreEntryInvalid, ex.Code);
    }

    [TestMethod]
    [DataRow("../x")]
    [DataRow("")]
    [DataRow("a/b")]
    public void OpenSigningKey_MalformedId_ThrowsMS1056(string id)
    {
        using var env = new ApiTestEnvironment();
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => env.KeyStore.OpenSigningKey(id));
        Assert.AreEqual(ErrorCodes.KeyStoreIdUnknown, ex.Code);
    }

    [TestMethod]
    public void AddSigningKey_ExistingIdWithoutOverwrite_ThrowsMS1002()
    {
        using var env = new ApiTestEnvironment();
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => env.KeyStore.AddSigningKey(ApiTestEnvironment.SigningKeyId, env.SigningKey, [], overwrite: false));
        Assert.AreEqual(ErrorCodes.OutputExists, ex.Code);
    }

    [TestMethod]
    public void List_TwoEntries_IdsAndKinds()
    {
        using var env = new ApiTestEnvironment();
        var entries = env.KeyStore.List();
        CollectionAssert.AreEqual(new[] { (ApiTestEnvironment.KitId, KeyStoreEntryKind.Kit), (ApiTestEnvironment.SigningKeyId, KeyStoreEntryKind.SigningKey) }, entries.ToArray());
    }

    [TestMethod]
    public void MasterKey_WrongLength_ThrowsMS1060()
    {
        using var env = new ApiTestEnvironment();
        File.WriteAllBytes(env.Options.KeyStore.MasterKeyFile, new byte[5]);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => new ServerKeyStore(env.Options).OpenSigningKey(ApiTestEnvironment.SigningKeyId));
        Assert.AreEqual(ErrorCodes.ApiConfigInvalid, ex.Code);
    }
}
