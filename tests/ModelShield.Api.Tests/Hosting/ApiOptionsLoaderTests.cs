using ModelShield.Api.Auth;
using ModelShield.Api.Hosting;
using ModelShield.Errors;
using ModelShield.Testing.Files;

namespace ModelShield.Api.Tests.Hosting;

[TestClass]
public sealed class ApiOptionsLoaderTests
{
    [TestMethod]
    public void Load_ConfigFile_ResolvesPathsAgainstItsFolder()
    {
        using var folder = new TempFolder();
        var hash = ApiKeyHash.HashHex(ApiKeyHash.NewKey());
        File.WriteAllText(folder.File("api.json"), $$"""{ "Api": { "maxUploadBytes": 1234, "keyStore": { "folder": "ks", "masterKeyFile": "m.key" }, "apiKeys": [ { "name": "ci", "role": "release", "sha256": "{{hash}}" } ] } }""");
        var options = ApiOptionsLoader.Load(folder.File("api.json"));
        Assert.AreEqual(1234, options.MaxUploadBytes);
        Assert.AreEqual(Path.Combine(folder.Path, "ks"), options.KeyStore.Folder);
        Assert.AreEqual(Path.Combine(folder.Path, "m.key"), options.KeyStore.MasterKeyFile);
        Assert.AreEqual("release", options.ApiKeys[0].Role);
    }

    [TestMethod]
    [DataRow("""{ "Api": { "apiKeys": [ { "name": "ci", "role": "admin", "sha256": "00" } ] } }""")]
    [DataRow("""{ "Api": { "maxUploadBytes": 0 } }""")]
    [DataRow("""{ "Api": { "allowedEndpoints": [ "file:///etc" ] } }""")]
    [DataRow("""{ "Api": { "maxUploadBytes": "lots" } }""")]
    [DataRow("""{ not json""")]
    public void Load_UnusableConfig_ThrowsMS1060(string json)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("api.json"), json);
        var ex = Assert.ThrowsExactly<ModelShieldException>(() => ApiOptionsLoader.Load(folder.File("api.json")));
        Assert.AreEqual(ErrorCodes.ApiConfigInvalid, ex.Code, ex.Message);
    }

    [TestMethod]
    public void CreateApiKey_Role_KeyHashesToTheConfigEntry()
    {
        var created = ApiHost.CreateApiKey("verify", "runtime");
        Assert.StartsWith(ApiKeyHash.Prefix, created.Key);
        Assert.AreEqual(ApiKeyHash.HashHex(created.Key), created.Sha256);
        Assert.Contains(created.Sha256, created.ConfigEntry);
        Assert.DoesNotContain(created.Key, created.ConfigEntry);
        Assert.AreEqual(ErrorCodes.BadUsage, Assert.ThrowsExactly<ModelShieldException>(() => ApiHost.CreateApiKey("root", "x")).Code);
    }
}
