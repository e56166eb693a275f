using System.Net;
using ModelShield.Api.Auth;
using ModelShield.Api.Tests.Support;
using ModelShield.Errors;

namespace ModelShield.Api.Tests.Endpoints;

/// <summary>GET /v1/keys and GET /v1/jobs/{id}.</summary>
[TestClass]
public sealed class ServiceEndpointsTests
{
    [TestMethod]
    public async Task Keys_AnyRole_ListsIdsAndKindsOnly()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Investigate);
        using var response = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        var json = await Problems.AssertJsonAsync(response, HttpStatusCode.OK);
        Assert.AreEqual(2, json.GetArrayLength());
        Assert.AreEqual(ApiTestEnvironment.KitId, json[0].GetProperty("id").GetString());
        Assert.AreEqual("kit", json[0].GetProperty("kind").GetString());
        Assert.AreEqual("signingKey", json[1].GetProperty("kind").GetString());
        Assert.HasCount(2, json[0].EnumerateObject().ToList());
    }

    [TestMethod]
    public async Task Job_UnknownId_Answers404WithMS1058()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client(ApiRoles.Release);
        using var response = await client.GetAsync(new Uri("/v1/jobs/0123456789abcdef", UriKind.Relative));
        await Problems.AssertProblemAsync(response, HttpStatusCode.NotFound, ErrorCodes.JobNotFound);
    }

    [TestMethod]
    public async Task Job_NoKey_Answers401()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client();
        using var response = await client.GetAsync(new Uri("/v1/jobs/0123456789abcdef", UriKind.Relative));
        await Problems.AssertProblemAsync(response, HttpStatusCode.Unauthorized, ErrorCodes.ApiKeyMissing);
    }
}
