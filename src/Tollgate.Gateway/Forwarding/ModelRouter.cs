namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Picks the provider endpoint for a requested model: <c>provider/model</c> names the provider explicitly; otherwise
/// the endpoints whose catalog (or configured model list) has the exact model name, in configuration order.
/// Names match exactly, never by substring.
/// </summary>
internal sealed class ModelRouter(IReadOnlyList<UpstreamEndpoint> endpoints, Func<string, string, bool> catalogHasModel)
{
    public IReadOnlyList<UpstreamEndpoint> Endpoints => endpoints;

    /// <summary>The endpoint and the model name to send it, or null when no configured provider serves the model.</summary>
    public (UpstreamEndpoint Endpoint, string UpstreamModel)? Resolve(string model, WireFormat? requiredFormat = null)
    {
        var slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
        {
            var providerName = model.AsSpan(0, slash);
            foreach (var endpoint in endpoints)
            {
                if (providerName.Equals(endpoint.Name, StringComparison.OrdinalIgnoreCase) && Accepts(endpoint, requiredFormat))
                {
                    return (endpoint, model[(slash + 1)..]);
                }
            }
        }

        foreach (var endpoint in endpoints)
        {
            if (Accepts(endpoint, requiredFormat) && (endpoint.ExtraModels.Contains(model) || catalogHasModel(endpoint.PricedAs, model)))
            {
                return (endpoint, model);
            }
        }

        return null;
    }

    private static bool Accepts(UpstreamEndpoint endpoint, WireFormat? required) =>
        required is null || endpoint.Format == required;
}
