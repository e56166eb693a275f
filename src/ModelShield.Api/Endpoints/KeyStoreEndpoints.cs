using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ModelShield.Api.Auth;
using ModelShield.Api.Contracts;
using ModelShield.Api.KeyStore;

namespace ModelShield.Api.Endpoints;

/// <summary>
/// <c>GET /v1/keys</c>: the ids and kinds in the key store, so that clients can name them. Entries are added by the
/// operator on the server (<c>modelshield serve keystore add-key|add-kit</c>), never over HTTP, and nothing secret is listed.
/// </summary>
internal static class KeyStoreEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/keys", (ServerKeyStore keyStore) =>
                TypedResults.Ok(keyStore.List().Select(e => new KeyStoreItem(e.Id, JsonNamingPolicy.CamelCase.ConvertName(e.Kind.ToString()))).ToList()))
            .RequireAuthorization(ApiRoles.AnyKey)
            .WithName("ListKeys")
            .WithTags("service")
            .WithSummary("List the key store's entries (ids and kinds only).");
    }
}
