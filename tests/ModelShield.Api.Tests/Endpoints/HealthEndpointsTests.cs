using System.Net;
using ModelShield.Api.Tests.Support;

namespace ModelShield.Api.Tests.Endpoints;

[TestClass]
public sealed class HealthEndpointsTests
{
    [TestMethod]
    public async Task Health_NoKey_AnswersOk()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client();
        var json = await Problems.AssertJsonAsync(await client.GetAsync(new Uri("/health", UriKind.Relative)), HttpStatusCode.OK);
        Assert.AreEqual("ok", json.GetProperty("status").GetString());
    }

    [TestMethod]
    public async Task OpenApi_NoKey_DescribesEveryOperation()
    {
        using var env = new ApiTestEnvironment();
        using var client = env.Client();
        var json = await Problems.AssertJsonAsync(await client.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative)), HttpStatusCode.OK);
        var paths = json.GetProperty("paths");
        foreach (var path in new[]
        {
            "/health", "/v1/inspect", "/v1/sign", "/v1/verify", "/v1/watermarks/embed", "/v1/watermarks/detect", "/v1/fingerprints/record",
            "/v1/fingerprints/compare", "/v1/protect", "/v1/investigate", "/v1/keys", "/v1/jobs/{id}", "/v1/jobs/{id}/files/{path}", "/v1/jobs/{id}/archive",
        })
        {
            Assert.IsTrue(paths.TryGetProperty(path, out _), path);
        }

        var scheme = json.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.AreEqual("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.IsTrue(paths.GetProperty("/v1/sign").GetProperty("post").TryGetProperty("security", out _));
        Assert.IsTrue(paths.GetProperty("/v1/sign").GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
    }
}
