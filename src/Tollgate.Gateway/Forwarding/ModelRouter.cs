using System.Collections.Concurrent;
using Tollgate.Routing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The providers that can serve a requested model: <c>provider/model</c> names the provider explicitly; otherwise
/// every endpoint whose catalog provider (or configured model list) has the exact model name, in configuration
/// order. Names match exactly (plus the catalog's declared aliases), never by substring. The per-request filters
/// (enabled, healthy, preferred first) are applied by <see cref="ProxyHandler"/> from the <see cref="ProviderRegistry"/>.
/// </summary>
internal sealed class ModelRouter(IReadOnlyList<UpstreamEndpoint> endpoints, Func<string, string, bool> catalogHasModel)
{
    private const int MaxCachedModels = 10_000;
    private readonly ConcurrentDictionary<(string Model, int Format), Route[]> _cache = new();

    public IReadOnlyList<UpstreamEndpoint> Endpoints => endpoints;

    public UpstreamEndpoint? Find(string name) => endpoints.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Candidates in configuration order; empty when no configured provider serves the model.</summary>
    public Route[] Candidates(string model, WireFormat? requiredFormat)
    {
        var key = (model, requiredFormat is { } f ? (int)f : -1);
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var routes = Compute(model, requiredFormat);
        if (_cache.Count < MaxCachedModels)
        {
            _cache[key] = routes;
        }

        return routes;
    }

    private Route[] Compute(string model, WireFormat? requiredFormat)
    {
        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var providerName = model[..slash];
            var rest = model[(slash + 1)..];
            var named = endpoints.Where(e => string.Equals(e.Name, providerName, StringComparison.OrdinalIgnoreCase) && Accepts(e, requiredFormat)).ToArray();
            if (named.Length > 0)
            {
                return named.Select(e => new Route(e, rest)).ToArray();
            }
        }

        return endpoints
            .Where(e => Accepts(e, requiredFormat) && (e.ExtraModels.Contains(model) || catalogHasModel(e.PricedAs, model)))
            .Select(e => new Route(e, e.Options.UpstreamModel(model)))
            .ToArray();
    }

    private static bool Accepts(UpstreamEndpoint endpoint, WireFormat? required) =>
        required is null || endpoint.Format == required;

    /// <summary>One provider endpoint and the model name to send it.</summary>
    internal sealed record Route(UpstreamEndpoint Endpoint, string UpstreamModel);
}
