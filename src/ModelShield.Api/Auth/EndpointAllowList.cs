using ModelShield.Api.Hosting;
using ModelShield.Errors;

namespace ModelShield.Api.Auth;

/// <summary>
/// Which suspect endpoints the server may query on a client's behalf. Without this a caller could make the server
/// send requests anywhere it can reach (SSRF); only URLs under a configured prefix (same scheme, host and port, path
/// at or below the prefix's) are accepted.
/// </summary>
internal sealed class EndpointAllowList(ApiOptions options)
{
    private readonly List<Uri> _prefixes = options.AllowedEndpoints.Select(p => new Uri(p, UriKind.Absolute)).ToList();

    /// <summary>The URL, when it is absolute, http(s) and under an allowed prefix; otherwise MS1057 (or MS8001 when it is no URL).</summary>
    public Uri Check(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ModelShieldException(ErrorCodes.EndpointInvalid, $"'{url}' is not an http(s) URL.");
        }

        foreach (var prefix in _prefixes)
        {
            if (string.Equals(prefix.Scheme, uri.Scheme, StringComparison.Ordinal)
                && string.Equals(prefix.IdnHost, uri.IdnHost, StringComparison.OrdinalIgnoreCase)
                && prefix.Port == uri.Port
                && uri.UserInfo.Length == 0
                && IsUnder(prefix.AbsolutePath, uri.AbsolutePath))
            {
                return uri;
            }
        }

        throw new ModelShieldException(ErrorCodes.EndpointNotAllowed,
            _prefixes.Count == 0 ? "This server queries no suspect endpoints (its allow-list is empty)." : $"Endpoint '{uri.GetLeftPart(UriPartial.Path)}' is not on the server's allow-list.");
    }

    private static bool IsUnder(string prefix, string path)
    {
        // Compare whole segments: the prefix /v2/models/a must not admit /v2/models/ab; dot segments are already resolved by Uri.
        var p = prefix.TrimEnd('/');
        return path.Equals(p, StringComparison.Ordinal) || path.StartsWith(p + "/", StringComparison.Ordinal);
    }
}
