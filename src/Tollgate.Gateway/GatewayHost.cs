using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Alerting;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Forwarding;
using Tollgate.Hosting;
using Tollgate.Ledger;

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
        var stores = await GatewayStoreOpener.OpenAsync(options, store, time, cancellationToken);
        var keyStore = stores.Keys;
        var (adminHashes, adminDescription, adminFile) = await AdminKeyBootstrap.EnsureAsync(options.AdminKey, keyStore, options.DataDirectory, time, cancellationToken);

        var services = await GatewayComposition.ComposeAsync(options, settings, stores, adminHashes, owned, cancellationToken);
        var app = services.Builder.Build();
        GatewayEndpointMap.Map(app, options, keyStore, services.Authenticator, services.Router, services.Metrics, time);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync();
            throw new GatewayConfigurationException($"cannot listen on {options.Host}:{options.Port} ({ex.Message}): pick another --port or stop what uses it");
        }

        await ConfigurationAudit.RecordIfChangedAsync(app.Services.GetRequiredService<Tollgate.Audit.AuditRecorder>(), options, services.Endpoints, cancellationToken);
        await GatewayBackgroundWork.StartAsync(app, options, services, time, owned, cancellationToken);
        var report = GatewayStartupBanner.Report(app, options, store, stores, services.Endpoints, adminDescription, adminFile, services.Notes);
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
}
