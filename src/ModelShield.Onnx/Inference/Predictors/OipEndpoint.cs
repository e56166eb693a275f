using System.Text.RegularExpressions;
using ModelShield.Errors;

namespace ModelShield.Onnx.Inference.Predictors;

/// <summary>A model's URL in the Open Inference Protocol v2: <c>http(s)://HOST[:PORT][/PREFIX]/v2/models/NAME[/versions/V]</c>.</summary>
internal sealed partial record OipEndpoint(Uri Model, Uri Infer)
{
    public static OipEndpoint Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw Invalid(url, "only absolute http:// and https:// URLs are accepted");
        }

        // Credentials in a URL end up in logs and reports; tokens go in --header instead.
        if (uri.UserInfo.Length > 0)
        {
            throw Invalid(uri.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped), "it carries user:password@; pass credentials with --header NAME=ENVVAR");
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw Invalid(url, "it has a query or a fragment");
        }

        var path = uri.AbsolutePath.TrimEnd('/');
        if (!ModelPath().IsMatch(path))
        {
            throw Invalid(url, "the path must end in /v2/models/NAME or /v2/models/NAME/versions/VERSION");
        }

        var model = new UriBuilder(uri) { Path = path }.Uri;
        return new OipEndpoint(model, new UriBuilder(uri) { Path = path + "/infer" }.Uri);
    }

    /// <summary>The URL as shown in messages and reports (it holds no secret: credentials were refused).</summary>
    public override string ToString() => Model.ToString();

    [GeneratedRegex("/v2/models/[^/]+(/versions/[^/]+)?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ModelPath();

    private static ModelShieldException Invalid(string url, string why) =>
        new(ErrorCodes.EndpointInvalid, $"'{url}' is not an Open Inference Protocol v2 model URL: {why}.");
}
