using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Forwarding;
using Tollgate.Gateway.Observability;

namespace Tollgate.Gateway.Endpoints;

/// <summary><c>GET /healthz</c>, <c>GET /metrics</c>, <c>GET /v1/models</c>, <c>GET /v1/models/{id}</c>, <c>GET /openapi.json</c>.</summary>
internal static class InfoEndpoints
{
    public static void Map(IEndpointRouteBuilder app, KeyAuthenticator authenticator, GatewayRouter router, GatewayMetrics metrics)
    {
        app.MapGet("/healthz", static context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("{\"status\":\"ok\"}");
        });

        app.MapGet("/metrics", async context =>
        {
            if (await AdminAuth.RequireAdminAsync(context, authenticator) is null)
            {
                return;
            }

            var text = await metrics.ExposeAsync(context.RequestAborted);
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(text, context.RequestAborted);
        });

        app.MapGet("/v1/models", async context =>
        {
            var auth = await authenticator.AuthenticateAsync(context.Request, context.RequestAborted);
            if (auth.Key is null)
            {
                await AuthFailureResponse.WriteAsync(context, auth);
                return;
            }

            var models = ServedModelList.Of(router);
            if (IsAnthropicClient(context.Request))
            {
                // Anthropic's SDKs list models in their own page shape.
                await context.Response.WriteAsJsonAsync(new
                {
                    data = models.Select(m => AnthropicModel(m.Id)),
                    has_more = false,
                    first_id = models.Count > 0 ? models[0].Id : null,
                    last_id = models.Count > 0 ? models[^1].Id : null,
                }, GatewayJson.Options);
                return;
            }

            await context.Response.WriteAsJsonAsync(new { @object = "list", data = models.Select(m => OpenAiModel(m.Id, m.Provider)) }, GatewayJson.Options);
        });

        app.MapGet("/v1/models/{**id}", async context =>
        {
            var auth = await authenticator.AuthenticateAsync(context.Request, context.RequestAborted);
            if (auth.Key is null)
            {
                await AuthFailureResponse.WriteAsync(context, auth);
                return;
            }

            var id = (string)context.Request.RouteValues["id"]!;
            var found = ServedModelList.Of(router).FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));
            if (found.Id is null)
            {
                var message = $"the model '{id}' is not served by any configured provider: GET /v1/models lists the models available (names match exactly)";
                if (IsAnthropicClient(context.Request))
                {
                    await AnthropicError.WriteAsync(context, StatusCodes.Status404NotFound, message, "model_not_found", null);
                }
                else
                {
                    await OpenAiError.NotFound(context, message, "model_not_found");
                }

                return;
            }

            await context.Response.WriteAsJsonAsync(IsAnthropicClient(context.Request) ? AnthropicModel(found.Id) : OpenAiModel(found.Id, found.Provider), GatewayJson.Options);
        });

        app.MapGet("/openapi.json", static async context =>
        {
            await using var stream = typeof(InfoEndpoints).Assembly.GetManifestResourceStream("Tollgate.Gateway.openapi.json")
                                     ?? throw new InvalidOperationException("openapi.json is not embedded");
            context.Response.ContentType = "application/json";
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
    }

    internal static JsonSerializerOptions Json => GatewayJson.Options;

    /// <summary>Anthropic's SDKs send <c>anthropic-version</c> on every request; OpenAI's never do.</summary>
    private static bool IsAnthropicClient(HttpRequest request) => request.Headers.ContainsKey("anthropic-version");

    private static object OpenAiModel(string id, string provider) => new { id, @object = "model", created = 0, owned_by = provider };

    private static object AnthropicModel(string id) => new { id, type = "model", display_name = id, created_at = "1970-01-01T00:00:00Z" };
}
