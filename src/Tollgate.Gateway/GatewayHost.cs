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
using Tollgate.Costing;
using Tollgate.Gateway.Admin;
using Tollgate.Gateway.Auth;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Demo;
using Tollgate.Gateway.Endpoints;
using Tollgate.Gateway.Forwarding;
using Tollgate.Gateway.Observability;
using Tollgate.Keys;
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
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new GatewayConfigurationException(string.Join(Environment.NewLine, errors));
        }

        var time = settings.Time;
        var owned = new List<IDisposable>();
        var store = options.GetStoreLocation();
        var keyStore = CreateKeyStore(store, owned);
        try
        {
            await keyStore.InitializeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            throw new GatewayConfigurationException($"the store {store} cannot be opened ({ex.Message}): check --store and that the database is reachable");
        }

        var (adminHashes, adminDescription, adminFile) = await AdminKeyBootstrap.EnsureAsync(options.AdminKey, keyStore, options.DataDirectory, time, cancellationToken);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http", LogLevel.Warning);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // enforced by the gateway with an OpenAI-shaped 413
            var address = options.Host is "localhost" ? IPAddress.Loopback : options.Host is "*" ? IPAddress.Any : IPAddress.Parse(options.Host);
            kestrel.Listen(address, options.Port);
        });

        var metrics = new GatewayMetrics();
        owned.Add(metrics);
        var upstreamClient = new UpstreamClient();
        owned.Add(upstreamClient);
        var calculator = settings.CostCalculator;
        var endpoints = BuildEndpoints(options, settings, upstreamClient, owned, out var notes);
        var router = new ModelRouter(endpoints, (provider, model) => false);
        var authenticator = new KeyAuthenticator(keyStore, time, TimeSpan.FromSeconds(options.KeyCacheSeconds), adminHashes);

        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(keyStore);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(router);
        builder.Services.AddSingleton(authenticator);
        if (calculator is not null)
        {
            builder.Services.AddSingleton(calculator);
        }

        builder.Services.AddSingleton(sp => new CallAccounting(calculator, metrics, time, sp.GetRequiredService<ILogger<CallAccounting>>()));
        builder.Services.AddSingleton(sp => new ProxyHandler(authenticator, router, sp.GetRequiredService<CallAccounting>(), metrics, time, options.MaxRequestBodyBytes, sp.GetRequiredService<ILogger<ProxyHandler>>()));
        Telemetry.Configure(builder, options);

        var app = builder.Build();
        var proxy = app.Services.GetRequiredService<ProxyHandler>();
        app.MapPost("/v1/chat/completions", proxy.ChatCompletionsAsync);
        app.MapPost("/v1/embeddings", proxy.EmbeddingsAsync);
        app.MapPost("/v1/messages", proxy.MessagesAsync);
        InfoEndpoints.Map(app, authenticator, router, metrics, _ => []);
        AdminKeysEndpoints.Map(app, keyStore, authenticator, time);
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

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal) + "/");
        var report = new GatewayStartupReport
        {
            Address = address,
            Providers = endpoints.Select(e => $"{e.Name,-10} {e.BaseUri}  ({e.Source})").ToList(),
            AdminKey = adminDescription,
            AdminKeyFile = adminFile,
            Store = store.ToString(),
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
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        foreach (var item in _owned)
        {
            item.Dispose();
        }
    }

    private static IKeyStore CreateKeyStore(StoreLocation store, List<IDisposable> owned)
    {
        switch (store.Kind)
        {
            case StoreKind.InMemory:
                return new InMemoryKeyStore();
            case StoreKind.Sqlite:
                return SqliteKeyStore.ForFile(store.ConnectionString);
            default:
                var dataSource = NpgsqlDataSource.Create(store.ConnectionString);
                owned.Add(dataSource);
                return new PostgreSqlKeyStore(dataSource);
        }
    }

    private static List<UpstreamEndpoint> BuildEndpoints(GatewayOptions options, GatewayHostSettings settings, UpstreamClient client, List<IDisposable> owned, out List<string> notes)
    {
        notes = [];
        var env = settings.Environment;
        var endpoints = new List<UpstreamEndpoint>();
        foreach (var p in options.Providers.Where(p => p.Enabled))
        {
            var known = KnownProviders.Find(p.Name);
            var format = KnownProviders.ParseFormat(p.Format) ?? known?.Format ?? WireFormat.OpenAI;
            var baseUrl = p.BaseUrl ?? known?.BaseUrl
                ?? throw new GatewayConfigurationException($"provider '{p.Name}' has no known public URL: give its \"baseUrl\"");
            var keyVariable = p.ApiKeyEnv ?? known?.KeyVariable;
            var apiKey = p.ApiKey ?? (keyVariable is null ? null : env(keyVariable));
            var endpoint = new UpstreamEndpoint(known?.Name ?? p.Name, format, new Uri(baseUrl), string.IsNullOrEmpty(apiKey) ? null : apiKey,
                apiKey is null ? "config, no key" : p.ApiKey is not null ? "config, key in config" : $"config, key from {keyVariable}")
            {
                Invoker = client.Invoker,
            };
            endpoint.ExtraModels.UnionWith(p.Models);
            endpoints.Add(endpoint);
        }

        if (options.ProvidersFromEnvironment)
        {
            foreach (var (name, variable, baseUrl, format) in KnownProviders.All)
            {
                if (endpoints.Any(e => e.Name == name) || env(variable) is not { Length: > 0 } apiKey)
                {
                    continue;
                }

                endpoints.Add(new UpstreamEndpoint(name, format, new Uri(baseUrl), apiKey, $"key from {variable}") { Invoker = client.Invoker });
            }
        }

        if (options.Demo)
        {
            var handler = new HttpMessageInvoker(new DemoUpstreamHandler(settings.Time), disposeHandler: true);
            owned.Add(handler);
            var demo = new UpstreamEndpoint("demo", WireFormat.OpenAI, new Uri($"http://{DemoUpstreamHandler.Host}/v1"), null, "built-in simulation, priced as openai")
            {
                Invoker = handler,
                IsDemo = true,
                PricingProvider = "openai",
            };
            demo.ExtraModels.UnionWith(DemoUpstreamHandler.Models);
            endpoints.Add(demo);
            notes.Add("demo mode: models " + string.Join(", ", DemoUpstreamHandler.Models) + " answer from a simulated provider (priced at OpenAI's prices; no money spent)");
        }

        return endpoints;
    }
}
