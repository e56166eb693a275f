using System.Net;
using System.Text.Json;

namespace ModelShield.Api.Tests.Support;

/// <summary>Following a job from its 202 answer to its end.</summary>
internal static class JobPolling
{
    /// <summary>Asserts a 202 with a Location, then polls the status until the job ends; returns the final status.</summary>
    public static async Task<JsonElement> AwaitAsync(HttpClient client, HttpResponseMessage accepted, TimeSpan? limit = null)
    {
        var body = await accepted.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.Accepted, accepted.StatusCode, body);
        var location = accepted.Headers.Location ?? throw new AssertFailedException("202 without Location");
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(3));
        while (true)
        {
            using var response = await client.GetAsync(location);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // Polling is rate limited like every request: wait as told.
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }

            var status = await Problems.AssertJsonAsync(response, HttpStatusCode.OK);
            if (status.GetProperty("status").GetString() is not ("queued" or "running"))
            {
                return status;
            }

            Assert.IsLessThan(deadline, DateTime.UtcNow, "the job did not finish in time");
            await Task.Delay(250);
        }
    }

    /// <summary>The result of a job that must have succeeded.</summary>
    public static JsonElement Result(JsonElement status)
    {
        Assert.AreEqual("succeeded", status.GetProperty("status").GetString(), status.GetRawText());
        return status.GetProperty("result");
    }
}
