using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Budgets;

/// <summary>Two gateway instances on one PostgreSQL database and one Redis share keys, budgets and the ledger.</summary>
public sealed class SharedStateTests : IAsyncLifetime
{
    private string? _database;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Postgres => TestServices.PostgresAdmin;

    private static string Redis => TestServices.RedisConfiguration;

    public async ValueTask InitializeAsync()
    {
        _database = "tg_gw_" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = NpgsqlDataSource.Create(Postgres);
        await using var create = admin.CreateCommand($"CREATE DATABASE {_database}");
        await create.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task TwoInstances_PostgresAndRedis_ShareKeysBudgetAndLedger()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.CachedTokens = 200;
        var store = new NpgsqlConnectionStringBuilder(Postgres) { Database = _database }.ToString();
        await using var a = await StartAsync(upstream, store);
        await using var b = await StartAsync(upstream, store);
        using var adminA = Client(a, TestGateway.AdminKey);
        using var adminB = Client(b, TestGateway.AdminKey);

        using var created = await adminA.PostAsync("/admin/keys", CostTests.Json(new { tenant = "shared" }), Ct);
        string key;
        using (var doc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)))
        {
            key = doc.RootElement.GetProperty("key").GetString()!;
        }

        // Redis counters outlive the test: a budget id of its own keeps runs apart.
        var budgetId = "shared-" + _database;
        using var budget = await adminA.PostAsync("/admin/budgets", CostTests.Json(new { id = budgetId, scope = new { tenant = "shared" }, limit = "0.0005", period = "daily" }), Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);
        var body = new { model = "gpt-4o-mini", max_tokens = 300, messages = new[] { new { role = "user", content = "hi" } } };

        // Instance A spends 0.000345 of 0.0005; instance B must then refuse a worst case of about 0.00018.
        using var spend = await Client(a, key).PostAsync("/v1/chat/completions", CostTests.Json(body), Ct);
        using var refused = await Client(b, key).PostAsync("/v1/chat/completions", CostTests.Json(body), Ct);

        Assert.Equal(HttpStatusCode.OK, spend.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains(budgetId, await refused.Content.ReadAsStringAsync(Ct));
        await adminA.GetStringAsync("/admin/reports/cost", Ct); // makes A's ledger writes durable
        using var report = JsonDocument.Parse(await adminB.GetStringAsync("/admin/reports/cost", Ct));
        Assert.Equal("0.000345", report.RootElement.GetProperty("total").GetString());
    }

    private async Task<GatewayHost> StartAsync(FakeUpstream upstream, string store) => await GatewayHost.StartAsync(new GatewayOptions
    {
        Port = 0,
        Store = store,
        Redis = Redis,
        DataDirectory = Path.Combine(Path.GetTempPath(), "tg-shared-" + _database),
        AdminKey = TestGateway.AdminKey,
        BudgetStatusCacheMilliseconds = 0,
        KeyCacheSeconds = 0,
        ProvidersFromEnvironment = false,
        Providers = [new ProviderEndpointOptions { Name = "openai", BaseUrl = upstream.OpenAiBase.ToString(), ApiKey = "sk-test" }],
    }, new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, Ct);

    private static HttpClient Client(GatewayHost host, string key)
    {
        var client = new HttpClient { BaseAddress = host.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(Postgres);
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}
