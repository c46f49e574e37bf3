using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Forwarding;
using Tollgate.Routing;

namespace Tollgate.Gateway;

/// <summary>
/// What <c>tollgate serve</c> would do with a request, without serving: the gateway's own providers (configuration,
/// keys in the environment, <c>--demo</c>), its pricing, its router and default routing options, and the provider
/// state of the store. <c>tollgate route explain</c> prints it, so its answer is the gateway's.
/// </summary>
public static class GatewayRouteExplainer
{
    /// <summary>The decision and the providers the gateway would try, in order.</summary>
    /// <exception cref="GatewayConfigurationException">The configuration is invalid; the message says what to fix.</exception>
    public static async Task<GatewayRouteExplanation> ExplainAsync(GatewayOptions options, GatewayHostSettings settings, IProviderStateStore state, RouteRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(request);
        var errors = options.Validate(settings.Environment);
        if (errors.Count > 0)
        {
            throw new GatewayConfigurationException(string.Join(Environment.NewLine, errors));
        }

        var owned = new List<IDisposable>();
        try
        {
            // Nothing is sent: the clients only complete the endpoints as the gateway builds them.
            var handler = new SocketsHttpHandler();
            var upstream = new UpstreamClient(handler);
            owned.Add(upstream);
            var adapterHttp = new HttpClient(handler, disposeHandler: false);
            owned.Add(adapterHttp);
            var pricing = settings.Pricing ?? GatewayPricing.Create(options.Pricing, settings.Time, owned);
            var endpoints = ProviderEndpoints.Build(options, settings, upstream, adapterHttp, owned, out _);
            var router = GatewayRouterFactory.Create(options, settings, endpoints, pricing, state);
            var plan = await router.PlanAsync(request, required: null, cancellationToken);
            return new GatewayRouteExplanation(plan.Decision, [.. plan.Chain], [.. endpoints.Select(e => e.Name)]);
        }
        finally
        {
            foreach (var disposable in owned)
            {
                disposable.Dispose();
            }
        }
    }
}
