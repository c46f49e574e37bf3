using Microsoft.Extensions.AI;
using Tollgate.Extensions.AI;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.ExtensionsAI;

/// <summary>A gateway and an in-process app on the same store, spending from the same budgets: the two doors side by side.</summary>
internal sealed class Doors : IAsyncDisposable
{
    private readonly List<IChatClient> _apps = [];

    private Doors(TestGateway gateway, TollgateEngine engine, HttpClient http, string key)
    {
        Gateway = gateway;
        Engine = engine;
        Http = http;
        Key = key;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public TestGateway Gateway { get; }

    public TollgateEngine Engine { get; }

    /// <summary>An HTTP client with the virtual key of tenant <c>acme</c>.</summary>
    public HttpClient Http { get; }

    /// <summary>The virtual key of tenant <c>acme</c>.</summary>
    public string Key { get; }

    /// <param name="gateway">Configures the gateway (also the settings both doors share, such as exchange rates: apply them to <paramref name="engine"/> too).</param>
    /// <param name="engine">Configures the in-process engine.</param>
    public static async Task<Doors> StartAsync(Action<GatewayOptions>? gateway = null, Action<TollgateOptions>? engine = null)
    {
        string? store = null;
        var host = await TestGateway.StartAsync((options, _) =>
        {
            store = options.Store;
            options.BudgetCounters = "store";
            gateway?.Invoke(options);
        });
        var (_, key) = await host.CreateKeyAsync("acme");
        var engineOptions = new TollgateOptions { Store = store! };
        engine?.Invoke(engineOptions);
        return new Doors(host, TollgateEngineFactory.Create(engineOptions), host.ClientWithKey(key), key);
    }

    public IChatClient App(string model, UsageDetails usage, Action<TollgateChatClientOptions>? configure = null)
    {
        var app = new InProcessModel(model, usage).WithTollgate(Engine, configure);
        _apps.Add(app);
        return app;
    }

    public async Task<List<UsageRecord>> RecordsAsync()
    {
        await Engine.FlushAsync(Ct);
        return await Gateway.LedgerRecordsAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            app.Dispose();
        }

        Http.Dispose();
        await Engine.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}
