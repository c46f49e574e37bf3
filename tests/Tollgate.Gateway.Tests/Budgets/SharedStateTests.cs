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

        var key = await CreateKeyAsync(adminA, "shared");

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

    [Fact]
    public async Task TwoInstances_LeasedRedisCounters_SpendNoMoreThanAHardBudget()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        var store = new NpgsqlConnectionStringBuilder(Postgres) { Database = _database }.ToString();
        // Leases of 0.0005 from a 0.002 budget: each instance serves holds from its own lease, taken from Redis.
        await using var a = await StartAsync(upstream, store, leased: true);
        await using var b = await StartAsync(upstream, store, leased: true);
        using var adminA = Client(a, TestGateway.AdminKey);
        using var adminB = Client(b, TestGateway.AdminKey);
        var key = await CreateKeyAsync(adminA, "leased");

        var budgetId = "leased-" + _database;
        using var budget = await adminA.PostAsync("/admin/budgets", CostTests.Json(new { id = budgetId, scope = new { tenant = "leased" }, limit = "0.002", period = "daily" }), Ct);
        Assert.Equal(HttpStatusCode.Created, budget.StatusCode);
        var body = new { model = "gpt-4o-mini", max_tokens = 300, messages = new[] { new { role = "user", content = "hi" } } };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var response = await Client(i % 2 == 0 ? a : b, key).PostAsync("/v1/chat/completions", CostTests.Json(body), Ct);
            statuses.Add(response.StatusCode);
        }

        await adminA.GetStringAsync("/admin/reports/cost", Ct);
        await adminB.GetStringAsync("/admin/reports/cost", Ct);
        using var report = JsonDocument.Parse(await adminB.GetStringAsync($"/admin/reports/cost?tenant=leased", Ct));
        var spent = decimal.Parse(report.RootElement.GetProperty("total").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses.Distinct().Order());
        Assert.True(spent <= 0.002m, $"spent {spent} of a 0.002 budget");
        Assert.True(spent > 0.001m, $"spent only {spent} of a 0.002 budget: the leases kept most of it unused");
    }

    [Fact]
    public void Validate_LeasedCountersWithoutRedisOrWithABadLease_SaysWhatToFix()
    {
        var errors = new GatewayOptions { BudgetCounters = "leased", BudgetLeaseUsd = 0 }.Validate(_ => null);

        Assert.Contains(errors, e => e.Contains("budgetCounters 'leased' takes budget leases from Redis: give redis (HOST:PORT)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("budgetLeaseUsd 0 is out of range", StringComparison.Ordinal));
        Assert.DoesNotContain(new GatewayOptions { BudgetCounters = "leased", Redis = Redis }.Validate(_ => null), e => e.Contains("lease", StringComparison.OrdinalIgnoreCase));
    }

    private async Task<GatewayHost> StartAsync(FakeUpstream upstream, string store, bool leased = false) => await GatewayHost.StartAsync(new GatewayOptions
    {
        Port = 0,
        Store = store,
        Redis = Redis,
        BudgetCounters = leased ? "leased" : "auto",
        BudgetLeaseUsd = 0.0005m,
        DataDirectory = Path.Combine(Path.GetTempPath(), "tg-shared-" + _database),
        AdminKey = TestGateway.AdminKey,
        BudgetStatusCacheMilliseconds = 0,
        KeyCacheSeconds = 0,
        ProvidersFromEnvironment = false,
        Providers = [new ProviderEndpointOptions { Name = "openai", BaseUrl = upstream.OpenAiBase.ToString(), ApiKey = "sk-test" }],
    }, new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, Ct);

    /// <summary>A new virtual key of <paramref name="tenant"/>, through the admin API.</summary>
    private static async Task<string> CreateKeyAsync(HttpClient admin, string tenant)
    {
        using var created = await admin.PostAsync("/admin/keys", CostTests.Json(new { tenant }), Ct);
        using var doc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct));
        return doc.RootElement.GetProperty("key").GetString()!;
    }

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
