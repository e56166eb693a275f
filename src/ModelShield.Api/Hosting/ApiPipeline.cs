using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ModelShield.Api.Auth;
using ModelShield.Api.Endpoints;
using ModelShield.Api.Jobs;
using ModelShield.Api.KeyStore;
using ModelShield.Api.Uploads;
using ModelShield.Errors;

namespace ModelShield.Api.Hosting;

/// <summary>The services and the request pipeline of the API, shared by the real server and the tests.</summary>
internal static class ApiPipeline
{
    /// <summary>Registers everything the endpoints use.</summary>
    public static void AddServices(IServiceCollection services, ApiOptions options)
    {
        // Uploads are the clients' models and kits are lent through files here: only the server's user may look in.
        Directory.CreateDirectory(options.TempFolder!);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(options.TempFolder!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        services.AddSingleton(options);
        services.AddSingleton<ApiKeyRegistry>();
        services.AddSingleton<ServerKeyStore>();
        services.AddSingleton<UploadReader>();
        services.AddSingleton<EndpointAllowList>();
        services.AddSingleton<JobQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<JobQueue>());
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.AddRouting();
        // The core services only: AddAuthentication would also bring data protection (cookie keys written to disk), unused here.
        services.AddAuthenticationCore(o =>
        {
            o.AddScheme<ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, displayName: null);
            o.DefaultScheme = ApiKeyAuthentication.SchemeName;
        });
        services.AddWebEncoders();
        services.AddOptions<AuthenticationSchemeOptions>(ApiKeyAuthentication.SchemeName);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiRoles.AnyKey, p => p.RequireAuthenticatedUser())
            .AddPolicy(ApiRoles.Release, p => p.RequireRole(ApiRoles.Release))
            .AddPolicy(ApiRoles.Investigate, p => p.RequireRole(ApiRoles.Investigate))
            .AddPolicy(ApiRoles.Verifier, p => p.RequireRole([.. ApiRoles.All]));
        services.AddRateLimiter(o => ApiRateLimiting.Configure(o, options.RateLimit));
        services.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            WriteTimeoutResponse = context => ApiProblems.WriteAsync(context, ErrorCodes.RequestTimedOut,
                $"The request ran longer than the server's limit of {options.RequestTimeoutSeconds} s."),
        });
        services.AddOpenApi("v1", o => o.AddDocumentTransformer<ApiKeySecurityScheme>());
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });
    }

    /// <summary>The middleware order matters: the rate limiter partitions by the key, so authentication runs first.</summary>
    public static void Configure(IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseRouting();
        // Handlers pass RequestAborted to every long call; this middleware cancels it at the limit.
        app.UseRequestTimeouts();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseEndpoints(MapEndpoints);
    }

    /// <summary>Every route group, one file each under Endpoints/.</summary>
    public static void MapEndpoints(IEndpointRouteBuilder routes)
    {
        HealthEndpoints.Map(routes);
        routes.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        var api = routes.MapGroup("/v1").AddEndpointFilter<ProblemFilter>();
        InspectEndpoints.Map(api);
        SigningEndpoints.Map(api);
        WatermarkEndpoints.Map(api);
        FingerprintEndpoints.Map(api);
        ProtectEndpoints.Map(api);
        InvestigateEndpoints.Map(api);
        KeyStoreEndpoints.Map(api);
        JobEndpoints.Map(api);
    }
}
