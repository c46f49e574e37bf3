using Tollgate.Extensions.AI;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Hosting;

namespace Tollgate.Gateway.Tests.Budgets;

/// <summary>
/// In-process budget counters (the embedded store's default) are only used by a process that is alone on the SQLite
/// file: a second gateway or an app with the middleware on the same file is refused with what to do, and a gateway
/// that finds the file already in use keeps its counters in the store, where every process sees every hold.
/// </summary>
public sealed class CounterOwnershipTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static GatewayOptions SameFile(string store, string dataDirectory, string counters = "auto") => new()
    {
        Port = 0,
        Store = store,
        DataDirectory = dataDirectory,
        AdminKey = TestGateway.AdminKey,
        ProvidersFromEnvironment = false,
        Demo = true,
        BudgetCounters = counters,
    };

    [Fact]
    public async Task SecondGatewayOrApp_OnFileWhoseCountersAreInProcess_RefusedSayingWhatToDo()
    {
        string? store = null;
        string? data = null;
        await using var first = await TestGateway.StartAsync((o, _) => (store, data) = (o.Store, o.DataDirectory));
        Assert.Contains("budget counters: in process", first.Host.Startup.Store);

        var gateway = await Assert.ThrowsAsync<GatewayConfigurationException>(() => GatewayHost.StartAsync(SameFile(store!, data!), cancellationToken: Ct));
        var app = Assert.Throws<TollgateStoreException>(() => TollgateEngineFactory.Create(new TollgateOptions { Store = store! }));

        Assert.Contains("keeps the budget counters", gateway.Message);
        Assert.Contains("budgetCounters: store", gateway.Message);
        Assert.Contains("keeps the budget counters", app.Message);
    }

    [Fact]
    public async Task Gateway_OnFileAnAppAlreadyUses_KeepsCountersInTheStore()
    {
        var data = Path.Combine(Path.GetTempPath(), "tg-own-" + Guid.NewGuid().ToString("N"));
        var store = "sqlite:" + Path.Combine(data, "tollgate.db");
        Directory.CreateDirectory(data);
        try
        {
            await using (var engine = TollgateEngineFactory.Create(new TollgateOptions { Store = store }))
            {
                await engine.InitializeAsync(Ct);
                await using var gateway = await GatewayHost.StartAsync(SameFile(store, data), cancellationToken: Ct);
                Assert.Contains("budget counters: in the store", gateway.Startup.Store);
            }

            // The app is gone: the next gateway is alone on the file again and keeps the counters in process.
            await using var alone = await GatewayHost.StartAsync(SameFile(store, data), cancellationToken: Ct);
            Assert.Contains("budget counters: in process", alone.Startup.Store);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }
}
