using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Forwarding;
using Tollgate.Hosting;
using Tollgate.Storage;

namespace Tollgate.Gateway;

/// <summary>What the start-up banner reports, read from the started server (the real port when 0 was asked) and the composed gateway.</summary>
internal static class GatewayStartupBanner
{
    public static GatewayStartupReport Report(WebApplication app, GatewayOptions options, StoreLocation store, TollgateStores stores, IReadOnlyList<UpstreamEndpoint> endpoints, string adminDescription, string? adminFile, List<string> notes)
    {
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal) + "/");
        var report = new GatewayStartupReport
        {
            Address = address,
            Providers = endpoints.Select(e => $"{e.Name,-10} {e.BaseUri}  ({e.Source})").ToList(),
            AdminKey = adminDescription,
            AdminKeyFile = adminFile,
            Store = $"{store} (keys, budgets, alerts, provider state); ledger: {stores.LedgerLocation}; budget counters: {stores.BudgetCountersDescription}",
            Redis = options.Redis,
            Notes = notes,
        };
        return report;
    }
}
