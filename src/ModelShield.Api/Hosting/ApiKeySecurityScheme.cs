using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ModelShield.Api.Hosting;

/// <summary>Tells OpenAPI clients how to authenticate: an API key in the X-Api-Key header, for every operation under /v1.</summary>
internal sealed class ApiKeySecurityScheme : IOpenApiDocumentTransformer
{
    private const string Name = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = Auth.ApiKeyAuthentication.HeaderName,
            Description = "A key made with 'modelshield serve apikey'; its role decides what it may call.",
        };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/v1/", StringComparison.Ordinal) || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
            }
        }

        return Task.CompletedTask;
    }
}
