using System.Net;
using System.Net.Http.Headers;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>Authentication (API keys), authorization (roles) and rate limiting, across endpoints.</summary>
[TestClass]
public sealed class AuthTests
{
    [TestMethod]
    public async Task Inspect_NoKey_Answers401WithMS1050()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client();
        using var response = await client.PostAsync(new Uri("/v1/inspect", UriKind.Relative), ApiTestEnvironment.Form([]));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.ApiKeyMissing);
        Assert.IsTrue(response.Headers.WwwAuthenticate.Count > 0);
    }

    [TestMethod]
    public async Task Keys_UnknownKey_Answers401WithMS1050()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client();
        client.DefaultRequestHeaders.Add(ApiKeyAuthentication.HeaderName, ApiKeyHash.NewKey());
        using var response = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.ApiKeyMissing);
    }

    [TestMethod]
    public async Task Keys_BearerKey_IsAccepted()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", env.Keys[ApiRoles.Verify]);
        using var response = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [TestMethod]
    public async Task Sign_VerifyRole_Answers403WithMS1051()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Verify);
        using var response = await client.PostAsync(new Uri("/v1/sign", UriKind.Relative), ApiTestEnvironment.Form([("model", "m.onnx", [1, 2, 3])], ("keyId", ApiTestEnvironment.SigningKeyId)));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.ApiRoleForbidden);
    }

    [TestMethod]
    public async Task Sign_InvestigateRole_Answers403WithMS1051()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.PostAsync(new Uri("/v1/sign", UriKind.Relative), ApiTestEnvironment.Form([("model", "m.onnx", [1, 2, 3])], ("keyId", ApiTestEnvironment.SigningKeyId)));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Forbidden, ErrorCodes.ApiRoleForbidden);
    }

    [TestMethod]
    public async Task Keys_OverTheBurst_Answers429WithRetryAfterAndMS1052()
    {
        using var env = new ApiTestEnvironment(o => o.RateLimit = new() { PermitsPerMinute = 1, Burst = 2 });
        using var client = env.Client(ApiRoles.Verify);
        for (var i = 0; i < 2; i++)
        {
            using var ok = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
            Assert.AreEqual(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        await Problems.AssertProblemAsync(limited, HttpStatusCode.TooManyRequests, ErrorCodes.ApiRateLimited);
        Assert.IsNotNull(limited.Headers.RetryAfter?.Delta);
        Assert.IsGreaterThan(TimeSpan.Zero, limited.Headers.RetryAfter!.Delta!.Value);

        // Buckets are per key: another key is not limited by this one's requests.
        using var other = env.Client(ApiRoles.Release);
        using var fine = await other.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, fine.StatusCode);
    }

    [TestMethod]
    public async Task Logs_AfterAuthenticatedRequests_HoldNoApiKey()
    {
        using var env = new ApiTestEnvironment();
        using (var client = env.Client(ApiRoles.Release))
        {
            using var response = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            using var forbidden = await env.Client(ApiRoles.Verify).PostAsync(new Uri("/v1/sign", UriKind.Relative), ApiTestEnvironment.Form([]));
            Assert.AreEqual(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        Assert.IsNotEmpty(env.Factory.Logs);
        foreach (var line in env.Factory.Logs)
        {
            foreach (var key in env.Keys.Values)
            {
                Assert.DoesNotContain(key, line);
            }
        }
    }
}
