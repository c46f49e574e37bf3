using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Forwarding;
using Tollgate.Pricing;
using Tollgate.Routing;

namespace Tollgate.Gateway;

/// <summary>Builds the router the gateway routes with, for <c>tollgate serve</c> and <c>tollgate route explain</c> alike.</summary>
internal static class GatewayRouterFactory
{
    /// <summary>
    /// The router the gateway routes with: one routing configuration (<c>routing</c>, else the gateway's default: no
    /// substitution, each provider tried once), the configured capability files, the provider state of the store.
    /// <c>tollgate route explain</c> uses it too, so it answers what the gateway would do.
    /// </summary>
    internal static GatewayRouter Create(GatewayOptions options, GatewayHostSettings settings, IReadOnlyList<UpstreamEndpoint> endpoints, CostEngine pricing, IProviderStateStore state)
    {
        var time = settings.Time;
        var registry = new ProviderRegistry(state, GatewayRouter.DescribeEndpoints(endpoints, pricing), time);
        var health = new HealthMonitor(options.Health ?? settings.Health, time);
        var capabilities = settings.Capabilities ?? options.CapabilityFiles.Aggregate(CapabilityCatalog.BuiltIn(), (catalog, file) => catalog.WithFile(file)).WithContextWindows((provider, model) => pricing.Resolve(provider, model) is { Found: true } found ? found.ContextWindow : null);
        return new GatewayRouter(endpoints, pricing, health, registry, capabilities, options.Routing ?? settings.Routing, options.Fallback ?? settings.Fallback, time);
    }
}
