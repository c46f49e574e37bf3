using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Forwarding;
using Tollgate.Gateway.Observability;

namespace Tollgate.Gateway.Endpoints;

/// <summary><c>GET /healthz</c>, <c>GET /metrics</c>, <c>GET /v1/models</c>, <c>GET /openapi.json</c>.</summary>
internal static class InfoEndpoints
{
    public static void Map(IEndpointRouteBuilder app, KeyAuthenticator authenticator, GatewayRouter router, GatewayMetrics metrics, Func<string, IEnumerable<string>> catalogModels)
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
                await OpenAiError.Unauthorized(context, auth.Error!);
                return;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var data = new List<object>();
            foreach (var endpoint in router.Endpoints)
            {
                foreach (var model in endpoint.ExtraModels.Concat(catalogModels(endpoint.PricedAs)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
                {
                    if (seen.Add(model))
                    {
                        data.Add(new { id = model, @object = "model", created = 0, owned_by = endpoint.Name });
                    }
                }
            }

            await context.Response.WriteAsJsonAsync(new { @object = "list", data }, GatewayJson.Options);
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
}
