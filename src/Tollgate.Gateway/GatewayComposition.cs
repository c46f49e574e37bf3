using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tollgate.Alerts;
using Tollgate.Audit;
using Tollgate.Gateway.Alerting;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Durability;
using Tollgate.Gateway.Forwarding;
using Tollgate.Gateway.Observability;
using Tollgate.Hosting;
using Tollgate.Keys;
using Tollgate.Ledger;
using Tollgate.Metering;

namespace Tollgate.Gateway;

/// <summary>
/// The gateway's services for one start: logging, Kestrel, providers, router, keys, ledger, budgets, alerts and the proxy,
/// registered on the web application builder; and what the endpoint map and the background loops take from them.
/// </summary>
internal sealed class GatewayComposition
{
    public required WebApplicationBuilder Builder { get; init; }

    public required GatewayMetrics Metrics { get; init; }

    public required GatewayRouter Router { get; init; }

    public required KeyAuthenticator Authenticator { get; init; }

    public required IReadOnlyList<UpstreamEndpoint> Endpoints { get; init; }

    /// <summary>Remarks for the start-up banner (demo mode, …).</summary>
    public required List<string> Notes { get; init; }

    public required ILedgerStore Ledger { get; init; }

    public required BudgetAlertMonitor AlertMonitor { get; init; }

    public required GatewayAlerting Alerting { get; init; }

    /// <summary>The volume-discount spend, refreshed in the background when volume discounts are configured.</summary>
    public VolumeSpend? Volume { get; init; }

    public required TimeSpan RecommendationRefresh { get; init; }

    public static async Task<GatewayComposition> ComposeAsync(GatewayOptions options, GatewayHostSettings settings, TollgateStores stores, HashSet<KeyHash> adminHashes, List<IDisposable> owned, CancellationToken cancellationToken)
    {
        var time = settings.Time;
        var keyStore = stores.Keys;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        if (settings.LogSink is { } sink)
        {
            builder.Logging.AddProvider(sink);
        }

        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        // Hosting starts an Activity and a log scope for every request whenever its logger is enabled at any level; it only
        // logs request start/end (Information), so silencing it keeps that per-request work off the hot path. Unhandled
        // request exceptions are still logged by Kestrel. Traces, when exported, come from the gateway's own spans.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // enforced by the gateway with an OpenAI-shaped 413
            var address = options.Host is "localhost" ? IPAddress.Loopback : options.Host is "*" ? IPAddress.Any : IPAddress.Parse(options.Host);
            kestrel.Listen(address, options.Port);
        });

        var metrics = new GatewayMetrics();
        owned.Add(metrics);
        var socketsHandler = settings.UpstreamHandler ?? UpstreamClient.CreateHandler(propagateTraceContext: !string.IsNullOrWhiteSpace(options.OtlpEndpoint));
        var upstreamClient = new UpstreamClient(socketsHandler);
        owned.Add(upstreamClient);
        var adapterHttp = new HttpClient(socketsHandler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        owned.Add(adapterHttp);
        var pricing = settings.Pricing ?? GatewayPricing.Create(options.Pricing, time, owned);
        var endpoints = ProviderEndpoints.Build(options, settings, upstreamClient, adapterHttp, owned, out var notes);
        var router = GatewayRouterFactory.Create(options, settings, endpoints, pricing, stores.ProviderState);
        var (registry, health) = (router.Registry, router.Health);
        var authenticator = new KeyAuthenticator(keyStore, time, TimeSpan.FromSeconds(options.KeyCacheSeconds), adminHashes)
        {
            FailureLimiter = options.AuthBackoff.Enabled ? new AuthFailureLimiter(options.AuthBackoff, time) : null,
        };

        // Ledger: one record per attempt, batched (group commit); with a local spool for store outages, replayed when it is back.
        var ledgerStore = stores.Ledger;
        var durableLedger = options.LedgerDurability != "relaxed";
        var spoolSlot = options.Ledger ? LedgerSpoolSlot.TryTake(options.DataDirectory) : null;
        if (spoolSlot is not null)
        {
            owned.Add(spoolSlot);
        }

        var ledgerWriter = options.Ledger
            ? new LedgerWriter(ledgerStore, new LedgerWriterOptions { SpoolPath = spoolSlot?.Path }, time, LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(settings.LogLevel)).CreateLogger<LedgerWriter>())
            : null;
        if (ledgerWriter is not null && spoolSlot is not null && File.Exists(spoolSlot.Path))
        {
            // What a crashed predecessor spooled while the store was away goes to the store before the first call.
            try
            {
                await ledgerWriter.ReplaySpoolAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Kept in the spool; the writer offers it again every few seconds.
            }
        }

        // Budgets: definitions and counters (counters in Redis when several instances share them).
        var budgetDefinitions = stores.BudgetDefinitions;
        var budgetStore = stores.BudgetCounters;
        CallAccounting? accounting = null;
        var budgetGate = new BudgetGate(budgetStore, budgetDefinitions, time, new BudgetGateOptions
        {
            ExchangeRates = new DatedExchangeRates(options.Pricing.ExchangeRates, time),
            // A budget defined anywhere (admin API, CLI, another instance) counts its window's earlier spend from the
            // ledger as soon as this gateway sees it, which is within a second.
            DefinitionRefresh = TimeSpan.FromSeconds(1),
            Ledger = options.Ledger ? ledgerStore : null,
            FlushLedgerAsync = ct => accounting?.FlushAsync(ct) ?? Task.CompletedTask,
        });
        var budgetStatus = new BudgetStatusCache(budgetGate, time, TimeSpan.FromMilliseconds(options.BudgetStatusCacheMilliseconds)) { ShowShared = options.ShowSharedBudgets };
        owned.Add(budgetStatus);
        metrics.BudgetRemaining = async ct => (await budgetGate.GetStatusAsync(ct)).Select(b => (b.Budget.Id, b.Budget.Scope.ToString(), b.Remaining)).ToList();
        var rateLimits = new RateLimitGate(stores, options.RateLimits.Select(r => r.ToRule()).ToList(), time);
        var alerting = GatewayAlerting.Create(options.Alerts, stores.AlertHistory, health, budgetGate, ledgerStore, time, LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true)));
        alerting.Responses.RecordIn(new Tollgate.Audit.AuditRecorder(stores.Audit, time));
        var alerts = alerting.Dispatcher;
        var alertMonitor = new BudgetAlertMonitor(budgetGate, alerts, time) { Audit = stores.Audit };

        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(keyStore);
        builder.Services.AddSingleton(new Dashboard.DashboardSessions(stores.DashboardSessions, keyStore, authenticator, time));
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(router);
        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton(health);
        builder.Services.AddSingleton(authenticator);
        builder.Services.AddSingleton(pricing);
        builder.Services.AddSingleton<ICostCalculator>(pricing);
        builder.Services.AddSingleton<ILedgerStore>(ledgerStore);
        if (ledgerWriter is not null)
        {
            builder.Services.AddSingleton(ledgerWriter);
        }

        builder.Services.AddSingleton<IBudgetDefinitionStore>(budgetDefinitions);
        builder.Services.AddSingleton<IBudgetStore>(budgetStore);
        builder.Services.AddSingleton<IBudgetGate>(budgetGate);
        builder.Services.AddSingleton(budgetGate);
        builder.Services.AddSingleton(budgetStatus);
        builder.Services.AddSingleton(stores);
        builder.Services.AddSingleton(rateLimits);
        builder.Services.AddSingleton(alerts);
        builder.Services.AddSingleton(stores.AlertHistory);
        builder.Services.AddSingleton(stores.Audit);
        builder.Services.AddSingleton(new Tollgate.Audit.AuditRecorder(stores.Audit, time));
        builder.Services.AddSingleton(alertMonitor);
        builder.Services.AddSingleton(alerting);
        // Negotiated and volume discounts need the full pricing path (the catalog's fast path prices at list price).
        VolumeSpend? volume = null;
        var discounts = settings.Pricing is null && (options.Pricing.NegotiatedDiscounts.Count > 0 || options.Pricing.VolumeDiscounts.Count > 0);
        if (discounts && options.Pricing.VolumeDiscounts.Count > 0)
        {
            volume = new VolumeSpend(ledgerStore, time);
            await volume.RefreshAsync(cancellationToken);
        }

        builder.Services.AddSingleton(sp => accounting = new CallAccounting(pricing, new PromptEstimator(), budgetGate, budgetStatus, rateLimits, ledgerWriter, metrics, time, sp.GetRequiredService<ILogger<CallAccounting>>())
        {
            DurableLedger = durableLedger,
            ApplyDiscounts = discounts,
            Volume = volume,
            Limits = new ModelOutputLimits(router.Capabilities),
            Alerts = alerts,
            Signals = alerting.Signals,
            FallbackModels = options.FallbackModels,
            ShowSharedBudgets = options.ShowSharedBudgets,
            RequestFingerprints = options.RequestFingerprints,
        });
        var recommendationRefresh = TimeSpan.FromMinutes(options.RecommendationRefreshMinutes is 0 ? 60 : options.RecommendationRefreshMinutes);
        builder.Services.AddSingleton(sp => new LatestRecommendations(
            (filter, ct) => SavingsEndpoints.RecommendAsync(sp, filter, 0m, ct), ledgerStore, time, recommendationRefresh, sp.GetRequiredService<ILogger<LatestRecommendations>>()));
        builder.Services.AddSingleton(sp => new ProxyHandler(
            authenticator, router, sp.GetRequiredService<CallAccounting>(), metrics, time, SecretScrubber.For(endpoints), options.MaxRequestBodyBytes, sp.GetRequiredService<ILogger<ProxyHandler>>()));
        Telemetry.Configure(builder, options);

        return new GatewayComposition
        {
            Builder = builder,
            Metrics = metrics,
            Router = router,
            Authenticator = authenticator,
            Endpoints = endpoints,
            Notes = notes,
            Ledger = ledgerStore,
            AlertMonitor = alertMonitor,
            Alerting = alerting,
            Volume = volume,
            RecommendationRefresh = recommendationRefresh,
        };
    }
}
