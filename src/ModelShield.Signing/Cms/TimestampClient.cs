using System.Net.Http.Headers;
using ModelShield.Errors;

namespace ModelShield.Signing.Cms;

/// <summary>Asks an RFC 3161 timestamp authority over HTTP (RFC 3161 section 3.4).</summary>
internal static class TimestampClient
{
    private const long MaxResponseBytes = 1 << 20;

    public static byte[] Request(Uri authority, byte[] encodedRequest)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30), MaxResponseContentBufferSize = MaxResponseBytes };
        using var content = new ByteArrayContent(encodedRequest);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        try
        {
            using var response = http.Send(new HttpRequestMessage(HttpMethod.Post, authority) { Content = content });
            if (!response.IsSuccessStatusCode)
            {
                throw new ModelShieldException(ErrorCodes.TimestampAuthorityFailed, $"Timestamp authority {authority} answered HTTP {(int)response.StatusCode}.");
            }

            using var stream = response.Content.ReadAsStream();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return buffer.Length <= MaxResponseBytes
                ? buffer.ToArray()
                : throw new ModelShieldException(ErrorCodes.TimestampAuthorityFailed, $"Timestamp authority {authority} sent an oversized answer.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new ModelShieldException(ErrorCodes.TimestampAuthorityFailed, $"Timestamp authority {authority} could not be reached: {ex.Message}", ex);
        }
    }
}
