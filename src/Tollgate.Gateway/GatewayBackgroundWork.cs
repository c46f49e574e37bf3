using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Forwarding;
using Tollgate.Ledger;

namespace Tollgate.Gateway;

/// <summary>The loops a started gateway runs beside its requests (budget alerts, key revocations, volume spend, recommendations, ledger retention), stopped through a token the host owns.</summary>
internal static class GatewayBackgroundWork
{
    public static async Task StartAsync(WebApplication app, GatewayOptions options, GatewayComposition services, TimeProvider time, List<IDisposable> owned, CancellationToken cancellationToken)
    {
        var stopAlerts = new CancellationTokenSource();
        owned.Add(stopAlerts);
        _ = services.AlertMonitor.RunAsync(TimeSpan.FromSeconds(Math.Max(1, options.AlertCheckSeconds)), stopAlerts.Token);
        await services.Alerting.StartAsync(services.AlertMonitor, cancellationToken);
        _ = services.Authenticator.WatchRevocationsAsync(TimeSpan.FromMilliseconds(options.KeyRevocationCheckMilliseconds), stopAlerts.Token);
        if (services.Volume is not null)
        {
            _ = services.Volume.WatchAsync(VolumeSpend.RefreshInterval, stopAlerts.Token);
        }

        if (options.RecommendationRefreshMinutes > 0)
        {
            _ = app.Services.GetRequiredService<LatestRecommendations>().RunAsync(services.RecommendationRefresh, stopAlerts.Token);
        }

        if (options.LedgerRetentionDays is { } retentionDays)
        {
            _ = new LedgerRetention(services.Ledger, retentionDays, time, app.Services.GetRequiredService<ILogger<LedgerRetention>>()).RunAsync(stopAlerts.Token);
        }
    }
}
