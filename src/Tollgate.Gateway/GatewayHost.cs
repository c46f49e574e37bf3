using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tollgate.Alerts;
using Tollgate.Audit;
using Tollgate.Gateway.Alerting;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Demo;
using Tollgate.Gateway.Durability;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Gateway.Observability;
using Tollgate.Hosting;
using Tollgate.Keys;
using Tollgate.Ledger;
using Tollgate.Metering;
using Tollgate.Pricing;
using Tollgate.Providers;
using Tollgate.Routing;
using Tollgate.Sqlite.Ledger;
using Tollgate.PostgreSql.Keys;
using Tollgate.Sqlite.Keys;
using Tollgate.Storage;

namespace Tollgate.Gateway;

/// <summary>
/// Tollgate's OpenAI-compatible gateway as a running Kestrel server: what <c>tollgate serve</c> starts and what the
/// end-to-end tests start on a free loopback port. <see cref="StartAsync"/> validates the options first and throws
/// <see cref="GatewayConfigurationException"/> saying what to fix.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<IDisposable> _owned;

    private GatewayHost(WebApplication app, GatewayStartupReport startup, List<IDisposable> owned)
    {
        _app = app;
        Startup = startup;
        _owned = owned;
    }

    /// <summary>The address the gateway listens on (with the real port when 0 was asked).</summary>
    public Uri Address => Startup.Address;

    public GatewayStartupReport Startup { get; }

    /// <summary>The gateway's services (stores, ledger, budgets) for tests and embedding hosts.</summary>
    public IServiceProvider Services => _app.Services;

    public static async Task<GatewayHost> StartAsync(GatewayOptions options, GatewayHostSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        settings ??= new GatewayHostSettings();
        var errors = options.Validate(settings.Environment).Concat(AlertChannels.Problems(options.Alerts, settings.Environment)).ToList();
        if (errors.Count > 0)
        {
            throw new GatewayConfigurationException(string.Join(Environment.NewLine, errors));
        }

        var time = settings.Time;
        var owned = new List<IDisposable>();
        var store = options.GetStoreLocation();
        TollgateStores stores;
        try
        {
            stores = TollgateStores.Create(new TollgateStoreOptions
            {
                Store = store,
                Redis = string.IsNullOrWhiteSpace(options.Redis) ? null : options.Redis,
                RequireRedisAtStart = true,
                BudgetCounters = options.BudgetCounters switch
                {
                    "store" => BudgetCounterMode.Store,
                    "write-behind" => BudgetCounterMode.WriteBehind,
                    _ => BudgetCounterMode.Auto,
                },
                WriteBehindInterval = TimeSpan.FromMilliseconds(options.BudgetCountersFlushMilliseconds),
                PostgresMaxConnections = options.PostgresMaxConnections,
            }, time);
        }
        catch (TollgateStoreException ex)
        {
            throw new GatewayConfigurationException(ex.Message);
        }

        try
        {
            await stores.InitializeAsync(cancellationToken);
        }
        catch (TollgateStoreException ex)
        {
            await stores.DisposeAsync();
            throw new GatewayConfigurationException(ex.Message);
        }
        catch (Exception ex) when (ex is NpgsqlException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await stores.DisposeAsync();
            throw new GatewayConfigurationException($"the store {store} cannot be opened ({ex.Message.Split('\n')[0]}): check --store and that the database is reachable");
        }

        var keyStore = stores.Keys;
        var (adminHashes, adminDescription, adminFile) = await AdminKeyBootstrap.EnsureAsync(options.AdminKey, keyStore, options.DataDirectory, time, cancellationToken);

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
        var pricing = settings.Pricing ?? CreatePricing(options.Pricing, time, owned);
        var endpoints = BuildEndpoints(options, settings, upstreamClient, adapterHttp, owned, out var notes);
        var router = CreateRouter(options, settings, endpoints, pricing, stores.ProviderState);
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
        });
        var recommendationRefresh = TimeSpan.FromMinutes(options.RecommendationRefreshMinutes is 0 ? 60 : options.RecommendationRefreshMinutes);
        builder.Services.AddSingleton(sp => new LatestRecommendations(
            (filter, ct) => SavingsEndpoints.RecommendAsync(sp, filter, 0m, ct), ledgerStore, time, recommendationRefresh, sp.GetRequiredService<ILogger<LatestRecommendations>>()));
        builder.Services.AddSingleton(sp => new ProxyHandler(authenticator, router, sp.GetRequiredService<CallAccounting>(), metrics, time, options.MaxRequestBodyBytes, sp.GetRequiredService<ILogger<ProxyHandler>>())
        {
            Secrets = SecretScrubber.For(endpoints),
        });
        Telemetry.Configure(builder, options);

        var app = builder.Build();
        StoreFailureHandler.Use(app);
        Dashboard.DashboardSessionAuth.Use(app);
        var proxy = app.Services.GetRequiredService<ProxyHandler>();
        app.MapPost("/v1/chat/completions", proxy.ChatCompletionsAsync);
        app.MapPost("/v1/embeddings", proxy.EmbeddingsAsync);
        app.MapPost("/v1/messages", proxy.MessagesAsync).WithMetadata(AnthropicDoor.Instance);
        app.MapPost("/v1/responses", proxy.ResponsesAsync);
        CountTokensEndpoint.Map(app, authenticator, router, options.MaxRequestBodyBytes);
        InfoEndpoints.Map(app, authenticator, router, metrics);
        AdminKeysEndpoints.Map(app, keyStore, authenticator, time);
        AdminEndpoints.Map(app);
        Dashboard.DashboardEndpoints.Map(app);
        app.MapFallback(static context => OpenAiError.NotFound(context, $"no endpoint {context.Request.Method} {context.Request.Path}: see GET /openapi.json", "unknown_url"));

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new GatewayConfigurationException($"cannot listen on {options.Host}:{options.Port} ({ex.Message}): pick another --port or stop what uses it");
        }

        await ConfigurationAudit.RecordIfChangedAsync(app.Services.GetRequiredService<Tollgate.Audit.AuditRecorder>(), options, endpoints, cancellationToken);
        var stopAlerts = new CancellationTokenSource();
        owned.Add(stopAlerts);
        _ = alertMonitor.RunAsync(TimeSpan.FromSeconds(Math.Max(1, options.AlertCheckSeconds)), stopAlerts.Token);
        await alerting.StartAsync(alertMonitor, cancellationToken);
        _ = authenticator.WatchRevocationsAsync(TimeSpan.FromMilliseconds(options.KeyRevocationCheckMilliseconds), stopAlerts.Token);
        if (volume is not null)
        {
            _ = volume.WatchAsync(VolumeSpend.RefreshInterval, stopAlerts.Token);
        }

        if (options.RecommendationRefreshMinutes > 0)
        {
            _ = app.Services.GetRequiredService<LatestRecommendations>().RunAsync(recommendationRefresh, stopAlerts.Token);
        }

        if (options.LedgerRetentionDays is { } retentionDays)
        {
            _ = new LedgerRetention(ledgerStore, retentionDays, time, app.Services.GetRequiredService<ILogger<LedgerRetention>>()).RunAsync(stopAlerts.Token);
        }

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
        return new GatewayHost(app, report, owned);
    }

    /// <summary>Completes when the host stops (Ctrl+C in the CLI, or <paramref name="cancellationToken"/>).</summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Background loops (alert checks, revocation watch) stop before the stores they read close.
        foreach (var stop in _owned.OfType<CancellationTokenSource>())
        {
            await stop.CancelAsync();
        }

        if (_app.Services.GetService<GatewayAlerting>() is { } alerting)
        {
            await alerting.DisposeAsync();
        }

        await _app.StopAsync(CancellationToken.None);
        // Drain the ledger: every record handed to the writer becomes durable before the store closes.
        if (_app.Services.GetService<LedgerWriter>() is { } writer)
        {
            await _app.Services.GetRequiredService<CallAccounting>().FlushAsync(CancellationToken.None);
            await writer.DisposeAsync();
        }

        // Settlements deferred by store trouble get one last try; any left stay counted as held until their holds expire.
        try
        {
            await _app.Services.GetRequiredService<CallAccounting>().TrySettleDeferredAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Shutting down: nothing more to do for them here.
        }

        foreach (var item in _owned)
        {
            item.Dispose();
        }

        await _app.Services.GetRequiredService<TollgateStores>().DisposeAsync();

        await _app.DisposeAsync();
    }

    /// <summary>
    /// The router the gateway routes with: one routing configuration (<c>routing</c>, else the gateway's default: no
    /// substitution, each provider tried once), the configured capability files, the provider state of the store.
    /// <c>tollgate route explain</c> uses it too, so it answers what the gateway would do.
    /// </summary>
    internal static GatewayRouter CreateRouter(GatewayOptions options, GatewayHostSettings settings, IReadOnlyList<UpstreamEndpoint> endpoints, CostEngine pricing, IProviderStateStore state)
    {
        var time = settings.Time;
        var registry = new ProviderRegistry(state, GatewayRouter.DescribeEndpoints(endpoints, pricing), time);
        var health = new HealthMonitor(options.Health ?? settings.Health, time);
        var capabilities = settings.Capabilities ?? options.CapabilityFiles.Aggregate(CapabilityCatalog.BuiltIn(), (catalog, file) => catalog.WithFile(file)).WithContextWindows((provider, model) => pricing.Resolve(provider, model) is { Found: true } found ? found.ContextWindow : null);
        return new GatewayRouter(endpoints, pricing, health, registry, capabilities, options.Routing ?? settings.Routing, options.Fallback ?? settings.Fallback, time);
    }

    /// <summary>The built-in catalog with the configured discounts, or a catalog source when override files or a catalog URL are set.</summary>
    internal static CostEngine CreatePricing(PricingOptions pricing, TimeProvider time, List<IDisposable> owned)
    {
        if (pricing.OverrideFiles.Count == 0 && pricing.CatalogUrl is null)
        {
            return new CostEngine(PriceCatalog.BuiltIn, pricing);
        }

        try
        {
            var source = new PriceCatalogSource(pricing, time);
            owned.Add(source);
            if (pricing.CatalogUrl is not null)
            {
                source.Start();
            }

            return new CostEngine(source, pricing);
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            throw new GatewayConfigurationException($"pricing: {ex.Message}");
        }
    }

    internal static List<UpstreamEndpoint> BuildEndpoints(GatewayOptions options, GatewayHostSettings settings, UpstreamClient client, HttpClient adapterHttp, List<IDisposable> owned, out List<string> notes)
    {
        notes = [];
        var env = settings.Environment;
        var endpoints = new List<UpstreamEndpoint>();
        foreach (var p in options.Providers.Where(p => p.Enabled))
        {
            var provider = ProviderPresets.Get(p.Name) ?? new ProviderOptions { Name = p.Name.ToLowerInvariant(), PricingProviderId = p.Name.ToLowerInvariant() };
            provider.Name = provider.Name.ToLowerInvariant();
            if (p.Format is { Length: > 0 } format)
            {
                provider.Api = format.ToLowerInvariant() switch
                {
                    "anthropic" => ProviderApi.Anthropic,
                    "gemini" or "google" => ProviderApi.Gemini,
                    _ => ProviderApi.OpenAICompatible,
                };
            }

            if (p.BaseUrl is { Length: > 0 } baseUrl)
            {
                provider.BaseUrl = new Uri(baseUrl);
            }

            if (p.ApiKeyEnv is { Length: > 0 } variable)
            {
                provider.ApiKeyEnvironmentVariable = variable;
            }

            if (p.ApiKey is { Length: > 0 } key)
            {
                provider.ApiKey = key;
            }

            provider.RequiresApiKey = provider.RequiresApiKey && !p.AllowMissingKey;
            provider.Backup = p.Backup ?? provider.Backup;
            provider.ApiVersion = p.ApiVersion ?? provider.ApiVersion;
            provider.PricingProviderId = p.PricingProvider ?? provider.PricingProviderId;
            provider.Timeout = p.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : provider.Timeout;
            provider.ConnectTimeout = p.ConnectTimeoutSeconds is { } connect ? TimeSpan.FromSeconds(connect) : provider.ConnectTimeout;
            provider.IdleTimeout = p.IdleTimeoutSeconds is { } idle ? TimeSpan.FromSeconds(idle) : provider.IdleTimeout;
            provider.TotalTimeout = p.TotalTimeoutSeconds is { } total ? TimeSpan.FromSeconds(total) : provider.TotalTimeout;
            provider.DefaultMaxTokens = p.DefaultMaxTokens ?? provider.DefaultMaxTokens;
            foreach (var (model, deployment) in p.Deployments)
            {
                provider.Deployments[model] = deployment;
            }

            foreach (var (model, upstreamName) in p.ModelNames)
            {
                provider.ModelNames[model] = upstreamName;
            }

            foreach (var (header, value) in p.Headers)
            {
                provider.Headers[header] = value;
            }

            foreach (var model in p.Models)
            {
                provider.Models.Add(model);
            }

            var resolvedKey = provider.ResolveApiKey(env);
            if (resolvedKey is not null && provider.ApiKey is null)
            {
                provider.ApiKey = resolvedKey;
            }

            var source = provider.ApiKey is null ? "config, no key" : p.ApiKey is not null ? "config, key in config" : $"config, key from {provider.ApiKeyEnvironmentVariable}";
            endpoints.Add(Create(provider, client, adapterHttp, settings, source));
        }

        if (options.ProvidersFromEnvironment)
        {
            foreach (var preset in ProviderPresets.All())
            {
                if (endpoints.Any(e => e.Name == preset.Name) || preset.BaseUrl is null || !preset.RequiresApiKey ||
                    preset.ApiKeyEnvironmentVariable is null || env(preset.ApiKeyEnvironmentVariable) is not { Length: > 0 } apiKey)
                {
                    continue;
                }

                preset.ApiKey = apiKey;
                endpoints.Add(Create(preset, client, adapterHttp, settings, $"key from {preset.ApiKeyEnvironmentVariable}"));
            }
        }

        if (options.Demo)
        {
            // One simulated provider per wire format, each priced as the provider whose models it plays; the adapter
            // (OpenAI-format calls to Anthropic models) reaches the simulation through the same in-process handler.
            var demoHttp = new HttpClient(new DemoUpstreamHandler(settings.Time), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            owned.Add(demoHttp);
            foreach (var (name, api, baseUrl, pricedAs, models) in new[]
            {
                ("demo", ProviderApi.OpenAICompatible, $"http://{DemoUpstreamHandler.Host}/v1", "openai", DemoUpstreamHandler.Models),
                ("demo-anthropic", ProviderApi.Anthropic, $"http://{DemoUpstreamHandler.Host}", "anthropic", DemoUpstreamHandler.AnthropicModels),
            })
            {
                var demoOptions = new ProviderOptions
                {
                    Name = name,
                    Api = api,
                    BaseUrl = new Uri(baseUrl),
                    RequiresApiKey = false,
                    PricingProviderId = pricedAs,
                };
                foreach (var model in models)
                {
                    demoOptions.Models.Add(model);
                }

                endpoints.Add(new UpstreamEndpoint(demoOptions, ProviderAdapterFactory.Create(demoOptions, demoHttp, settings.Time, settings.Environment), demoHttp, $"built-in simulation, priced as {pricedAs}") { IsDemo = true });
            }

            notes.Add("demo mode: models " + string.Join(", ", DemoUpstreamHandler.Models.Concat(DemoUpstreamHandler.AnthropicModels)) +
                      " answer from a simulated provider (priced at OpenAI's and Anthropic's prices; no money spent)");
        }

        return endpoints;
    }

    private static UpstreamEndpoint Create(ProviderOptions provider, UpstreamClient client, HttpClient adapterHttp, GatewayHostSettings settings, string source)
    {
        try
        {
            var adapter = ProviderAdapterFactory.Create(provider, adapterHttp, settings.Time, settings.Environment);
            return new UpstreamEndpoint(provider, adapter, client.Invoker, source);
        }
        catch (ArgumentException ex)
        {
            throw new GatewayConfigurationException($"provider '{provider.Name}': {ex.Message.Split(" (Parameter")[0]}");
        }
    }
}
