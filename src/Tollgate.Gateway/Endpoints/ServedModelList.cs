using Tollgate.Gateway.Forwarding;

namespace Tollgate.Gateway.Endpoints;

/// <summary>
/// The models <c>GET /v1/models</c> lists: what routing lets each configured provider serve (providers that cannot be
/// called, e.g. configured without their key, left out), in provider order, each name once. Catalog entries that are price-matching patterns rather than names a client can send (fine-tune
/// templates such as <c>ft:gpt-4o</c> or <c>…​.ft-</c>, variants such as <c>gpt-4o:extended</c>, prefixes ending in
/// <c>-</c>) are left out: they are still priced when a provider reports them, but no one can ask for them by that name.
/// </summary>
internal static class ServedModelList
{
    public static List<(string Id, string Provider)> Of(GatewayRouter router)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<(string, string)>();
        foreach (var descriptor in router.Descriptors.Where(d => d.UnavailableReason is null))
        {
            foreach (var model in descriptor.Models.Where(IsRequestable).Order(StringComparer.Ordinal))
            {
                if (seen.Add(model))
                {
                    list.Add((model, descriptor.Name));
                }
            }
        }

        return list;
    }

    /// <summary>True for a name a client can put in <c>"model"</c>: not a catalog pattern.</summary>
    public static bool IsRequestable(string id) =>
        id.Length > 0 &&
        !id.Contains(':', StringComparison.Ordinal) &&
        !id.Contains(".ft-", StringComparison.Ordinal) &&
        char.IsAsciiLetterOrDigit(id[^1]);
}
