using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Gateway.Observability;
using Tollgate.Keys;

namespace Tollgate.Gateway;

/// <summary>The gateway's HTTP surface: the proxy doors, token counting, info, admin and dashboard endpoints, and the 404 for the rest.</summary>
internal static class GatewayEndpointMap
{
    public static void Map(WebApplication app, GatewayOptions options, IKeyStore keyStore, KeyAuthenticator authenticator, GatewayRouter router, GatewayMetrics metrics, TimeProvider time)
    {
        StoreFailureHandler.Use(app);
        Dashboard.DashboardSessionAuth.Use(app);
        var proxy = app.Services.GetRequiredService<ProxyHandler>();
        app.MapPost("/v1/chat/completions", proxy.ChatCompletionsAsync);
        app.MapPost("/v1/embeddings", proxy.EmbeddingsAsync);
        app.MapPost("/v1/messages", proxy.MessagesAsync).WithMetadata(AnthropicDoor.Instance);
        app.MapPost("/v1/responses", proxy.ResponsesAsync);
        CountTokensEndpoint.Map(app, authenticator, router, options.MaxRequestBodyBytes);
        InfoEndpoints.Map(app, authenticator, router, metrics);
        AdminKeysEndpoints.Map(app, keyStore, authenticator, time);
        AdminEndpoints.Map(app);
        Dashboard.DashboardEndpoints.Map(app);
        app.MapFallback(static context => OpenAiError.NotFound(context, $"no endpoint {context.Request.Method} {context.Request.Path}: see GET /openapi.json", "unknown_url"));
    }
}
