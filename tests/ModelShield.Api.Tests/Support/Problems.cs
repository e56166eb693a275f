using System.Net;
using System.Text.Json;

namespace ModelShield.Api.Tests.Support;

/// <summary>Assertions on ProblemDetails answers.</summary>
internal static class Problems
{
    /// <summary>Asserts the status and the ModelShield code of a ProblemDetails answer, and returns its detail.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(status, response.StatusCode, body);
        Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType, body);
        using var doc = JsonDocument.Parse(body);
        Assert.AreEqual(code, doc.RootElement.GetProperty("code").GetString(), body);
        return doc.RootElement.GetProperty("detail").GetString() ?? "";
    }

    /// <summary>The answer's JSON, after asserting the status.</summary>
    public static async Task<JsonElement> AssertJsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(status, response.StatusCode, body);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }
}
