using System.Net;
using System.Text;
using Google.Protobuf;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;
using ModelShield.Testing.Files;
using ModelShield.Testing.Models;
using ModelShield.Testing.Pki;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>POST /v1/sign and POST /v1/verify.</summary>
[TestClass]
public sealed class SigningEndpointsTests
{
    private static readonly Uri Sign = new("/v1/sign", UriKind.Relative);
    private static readonly Uri Verify = new("/v1/verify", UriKind.Relative);

    [TestMethod]
    public async Task SignThenVerify_KeyStoreKey_VerifiedThenFailsAfterTampering()
    {
        using var env = new ApiTestEnvironment();
        var model = TinyModels.Mlp().ToByteArray();
        using var release = env.Client(ApiRoles.Release);
        using var signed = await release.PostAsync(Sign, ApiTestEnvironment.Form([("model", "model.onnx", model)], ("keyId", ApiTestEnvironment.SigningKeyId)));
        var json = await Problems.AssertJsonAsync(signed, HttpStatusCode.OK);
        Assert.AreEqual("key", json.GetProperty("method").GetString());
        var bundle = Encoding.UTF8.GetBytes(json.GetProperty("bundle").GetRawText());

        using var verifier = env.Client(ApiRoles.Verify);
        using var ok = await verifier.PostAsync(Verify, ApiTestEnvironment.Form([("model", "model.onnx", model), ("signature", "model.sig", bundle)], ("keyId", ApiTestEnvironment.SigningKeyId)));
        var verdict = await Problems.AssertJsonAsync(ok, HttpStatusCode.OK);
        Assert.IsTrue(verdict.GetProperty("verified").GetBoolean(), verdict.GetRawText());

        model[^1] ^= 1;
        using var bad = await verifier.PostAsync(Verify, ApiTestEnvironment.Form([("model", "model.onnx", model), ("signature", "model.sig", bundle)], ("keyId", ApiTestEnvironment.SigningKeyId)));
        var against = await Problems.AssertJsonAsync(bad, HttpStatusCode.OK);
        Assert.IsFalse(against.GetProperty("verified").GetBoolean());
        Assert.AreEqual(ErrorCodes.FileChanged, against.GetProperty("issues")[0].GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task Sign_Response_NeverHoldsThePrivateKey()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Sign, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp().ToByteArray())], ("keyId", ApiTestEnvironment.SigningKeyId)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, body);
        var privateKey = env.SigningKey.ExportPkcs8PrivateKey();
        Assert.DoesNotContain(Convert.ToBase64String(privateKey), body);
        Assert.DoesNotContain(Convert.ToBase64String(env.SigningKey.ExportParameters(true).D!), body);
        Assert.DoesNotContain("PRIVATE KEY", body);
        foreach (var line in env.Factory.Logs)
        {
            Assert.DoesNotContain(Convert.ToBase64String(privateKey), line);
        }
    }

    [TestMethod]
    public async Task SignThenVerify_TarOfFolderWithSignatureInside_Verified()
    {
        using var env = new ApiTestEnvironment();
        using var model = new TempFolder();
        TinyModels.WriteWithExternalData(model.Path);
        using var client = env.Client(ApiRoles.Release);
        using var signed = await client.PostAsync(Sign, ApiTestEnvironment.Form([("model", "m.tar", Tars.OfFolder(model.Path))], ("keyId", ApiTestEnvironment.SigningKeyId)));
        var json = await Problems.AssertJsonAsync(signed, HttpStatusCode.OK);
        Assert.AreEqual(2, json.GetProperty("files").GetInt32());
        File.WriteAllText(model.File("model.sig"), json.GetProperty("bundle").GetRawText());

        var publicKey = Encoding.ASCII.GetBytes(env.SigningKey.ExportSubjectPublicKeyInfoPem());
        using var verified = await client.PostAsync(Verify, ApiTestEnvironment.Form([("model", "m.tar", Tars.OfFolder(model.Path)), ("publicKey", "pub.pem", publicKey)]));
        var verdict = await Problems.AssertJsonAsync(verified, HttpStatusCode.OK);
        Assert.IsTrue(verdict.GetProperty("verified").GetBoolean(), verdict.GetRawText());
        Assert.AreEqual(2, verdict.GetProperty("filesVerified").GetInt32());
    }

    [TestMethod]
    public async Task Verify_CertificateBundleAgainstTrustRoot_Verified()
    {
        using var env = new ApiTestEnvironment();
        using var ca = TestCa.Create();
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var leaf = ca.IssueCodeSigning("CN=Release", key);
        env.KeyStore.AddSigningKey("cert-key", key, [leaf, ca.Intermediate], overwrite: false);
        var model = TinyModels.Mlp().ToByteArray();
        using var client = env.Client(ApiRoles.Release);
        using var signed = await client.PostAsync(Sign, ApiTestEnvironment.Form([("model", "model.onnx", model)], ("keyId", "cert-key")));
        var json = await Problems.AssertJsonAsync(signed, HttpStatusCode.OK);
        Assert.AreEqual("certificate", json.GetProperty("method").GetString());

        var root = Encoding.ASCII.GetBytes(ca.Root.ExportCertificatePem());
        using var verified = await client.PostAsync(Verify, ApiTestEnvironment.Form(
            [("model", "model.onnx", model), ("signature", "model.sig", Encoding.UTF8.GetBytes(json.GetProperty("bundle").GetRawText())), ("trustRoot", "root.pem", root)]));
        var verdict = await Problems.AssertJsonAsync(verified, HttpStatusCode.OK);
        Assert.IsTrue(verdict.GetProperty("verified").GetBoolean(), verdict.GetRawText());
    }

    [TestMethod]
    public async Task Sign_UnknownKeyId_Answers404WithMS1056()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Sign, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp().ToByteArray())], ("keyId", "no-such-key")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.KeyStoreIdUnknown);
    }

    [TestMethod]
    public async Task Sign_KitIdInsteadOfKey_Answers404WithMS1056()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Sign, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp().ToByteArray())], ("keyId", ApiTestEnvironment.KitId)));
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.KeyStoreIdUnknown);
    }

    [TestMethod]
    public async Task Sign_NoKeyId_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.PostAsync(Sign, ApiTestEnvironment.Form([("model", "model.onnx", TinyModels.Mlp().ToByteArray())]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Verify_NoTrustOrTwo_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var none = await client.PostAsync(Verify, ApiTestEnvironment.Form([("model", "model.onnx", [1]), ("signature", "model.sig", [1])]));
        await Problems.AssertProblemAsync(none, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
        using var two = await client.PostAsync(Verify, ApiTestEnvironment.Form([("model", "model.onnx", [1]), ("signature", "model.sig", [1])], ("keyId", ApiTestEnvironment.SigningKeyId), ("policy", "prod")));
        await Problems.AssertProblemAsync(two, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }

    [TestMethod]
    public async Task Verify_MalformedBundle_VerdictAgainstWithMS5001()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Verify, ApiTestEnvironment.Form(
            [("model", "model.onnx", TinyModels.Mlp().ToByteArray()), ("signature", "model.sig", "{ not json"u8.ToArray())], ("keyId", ApiTestEnvironment.SigningKeyId)));
        var verdict = await Problems.AssertJsonAsync(response, HttpStatusCode.OK);
        Assert.IsFalse(verdict.GetProperty("verified").GetBoolean());
        Assert.AreEqual(ErrorCodes.SignatureBundleMalformed, verdict.GetProperty("issues")[0].GetProperty("code").GetString());
    }

    [TestMethod]
    public async Task Verify_UnknownPolicyName_Answers400WithMS1054()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(Verify, ApiTestEnvironment.Form([("model", "model.onnx", [1]), ("signature", "model.sig", [1])], ("policy", "prod")));
        await Problems.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.RequestMalformed);
    }
}
