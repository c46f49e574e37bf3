using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Routing;

namespace Tollgate.Gateway.Admin;

/// <summary>
/// <c>GET /admin/providers</c> (enabled, disabled models, preferred, health), <c>POST /admin/providers/{name}/enable</c>,
/// <c>/disable</c>, <c>/prefer</c> (<c>{"type": "chat"}</c>) and <c>/models/enable</c>, <c>/models/disable</c>
/// (<c>{"model": "gpt-4o"}</c>); the state is persisted by the provider registry's store.
/// </summary>
internal static class AdminProvidersEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/providers", AdminContext.AdminOnly(async context =>
        {
            var registry = context.Get<ProviderRegistry>();
            var health = context.Get<HealthMonitor>();
            var state = await registry.GetStateAsync(context.RequestAborted);
            var data = context.Get<GatewayRouter>().Endpoints.Select(e =>
            {
                var snapshot = health.GetProvider(e.Name);
                return new
                {
                    name = e.Name,
                    api = e.Options.Api.ToString(),
                    base_url = e.BaseUri.ToString(),
                    source = e.Source,
                    priced_as = e.PricedAs,
                    enabled = state.IsProviderEnabled(e.Name),
                    disabled_models = state.Models.Where(m => !m.Value && string.Equals(m.Key.Provider, e.Name, StringComparison.OrdinalIgnoreCase))
                        .Select(m => m.Key.Model).Order(StringComparer.Ordinal).ToList(),
                    preferred_for = GenerationTypes.All.Where(t => state.PreferredFor(t) == e.Name).Select(t => t.ToWireName()).ToList(),
                    health = new
                    {
                        circuit = snapshot.Circuit.ToString().ToLowerInvariant(),
                        samples = snapshot.Samples,
                        success_rate = snapshot.SuccessRate,
                        latency_p50_ms = snapshot.LatencyP50?.TotalMilliseconds,
                        latency_p95_ms = snapshot.LatencyP95?.TotalMilliseconds,
                        consecutive_failures = snapshot.ConsecutiveFailures,
                    },
                };
            }).ToList();
            await context.JsonAsync(new { data });
        }));
        app.MapPost("/admin/providers/{name}/enable", AdminContext.AdminOnly(context => SetEnabledAsync(context, true)));
        app.MapPost("/admin/providers/{name}/disable", AdminContext.AdminOnly(context => SetEnabledAsync(context, false)));
        app.MapPost("/admin/providers/{name}/models/enable", AdminContext.AdminOnly(context => SetModelEnabledAsync(context, true)));
        app.MapPost("/admin/providers/{name}/models/disable", AdminContext.AdminOnly(context => SetModelEnabledAsync(context, false)));
        app.MapPost("/admin/providers/{name}/prefer", AdminContext.AdminOnly(async context =>
        {
            var endpoint = await FindAsync(context);
            if (endpoint is null)
            {
                return;
            }

            var type = GenerationType.Chat;
            if (context.Request.ContentLength > 0)
            {
                using var document = await AdminJsonBody.ReadAsync(context, ["type"]);
                if (document is null)
                {
                    return;
                }

                string? error = null;
                var text = AdminJsonBody.OptionalString(document.RootElement, "type", ref error);
                if (text is not null && !GenerationTypes.TryParse(text, out type))
                {
                    error = $"type '{text}' is unknown: use chat, embeddings, image or audio";
                }

                if (error is not null)
                {
                    await OpenAiError.BadRequest(context, error);
                    return;
                }
            }

            var registry = context.Get<ProviderRegistry>();
            var previous = (await registry.GetStateAsync(context.RequestAborted)).PreferredFor(type);
            await registry.PreferAsync(type, endpoint.Name, context.RequestAborted);
            registry.Invalidate();
            await AdminAudit.RecordAsync(context, "provider.prefer", type.ToWireName(), new { provider = previous }, new { provider = endpoint.Name });
            await context.JsonAsync(new { name = endpoint.Name, preferred_for = type.ToWireName() });
        }));
    }

    private static async Task SetEnabledAsync(HttpContext context, bool enabled)
    {
        var endpoint = await FindAsync(context);
        if (endpoint is null)
        {
            return;
        }

        var registry = context.Get<ProviderRegistry>();
        var was = (await registry.GetStateAsync(context.RequestAborted)).IsProviderEnabled(endpoint.Name);
        await registry.SetEnabledAsync(endpoint.Name, enabled, context.RequestAborted);
        registry.Invalidate();
        await AdminAudit.RecordAsync(context, enabled ? "provider.enable" : "provider.disable", endpoint.Name, new { enabled = was }, new { enabled });
        await context.JsonAsync(new { name = endpoint.Name, enabled });
    }

    private static async Task SetModelEnabledAsync(HttpContext context, bool enabled)
    {
        var endpoint = await FindAsync(context);
        if (endpoint is null)
        {
            return;
        }

        using var document = await AdminJsonBody.ReadAsync(context, ["model"]);
        if (document is null)
        {
            return;
        }

        string? error = null;
        var model = AdminJsonBody.OptionalString(document.RootElement, "model", ref error)?.Trim();
        if (error is null && string.IsNullOrEmpty(model))
        {
            error = "model is required: the model's name as requests send it, e.g. {\"model\": \"gpt-4o\"}";
        }

        if (error is not null)
        {
            await OpenAiError.BadRequest(context, error, "model");
            return;
        }

        var registry = context.Get<ProviderRegistry>();
        var was = (await registry.GetStateAsync(context.RequestAborted)).IsModelEnabled(endpoint.Name, model!);
        await registry.SetModelEnabledAsync(endpoint.Name, model!, enabled, context.RequestAborted);
        registry.Invalidate();
        await AdminAudit.RecordAsync(context, enabled ? "model.enable" : "model.disable", $"{endpoint.Name}/{model}", new { enabled = was }, new { enabled });
        await context.JsonAsync(new { name = endpoint.Name, model, enabled });
    }

    private static async Task<UpstreamEndpoint?> FindAsync(HttpContext context)
    {
        var name = (string)context.Request.RouteValues["name"]!;
        var endpoint = context.Get<GatewayRouter>().Find(name);
        if (endpoint is null)
        {
            await OpenAiError.NotFound(context, $"no provider '{name}': GET /admin/providers lists them");
        }

        return endpoint;
    }
}
