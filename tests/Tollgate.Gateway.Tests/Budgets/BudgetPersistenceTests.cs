using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Budgets;

public sealed class BudgetPersistenceTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tg-persist-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EmbeddedStore_Restart_KeysBudgetSpendAndLedgerSurvive()
    {
        await using var upstream = await FakeUpstream.StartAsync();
        upstream.CachedTokens = 200;
        string key, budgetId;
        await using (var first = await StartAsync(upstream))
        {
            using var admin = Client(first, TestGateway.AdminKey);
            using var created = await admin.PostAsync("/admin/keys", CostTests.Json(new { tenant = "acme" }), Ct);
            using (var doc = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)))
            {
                key = doc.RootElement.GetProperty("key").GetString()!;
            }

            using var budget = await admin.PostAsync("/admin/budgets", CostTests.Json(new { scope = new { tenant = "acme" }, limit = "2", period = "monthly" }), Ct);
            using (var doc = JsonDocument.Parse(await budget.Content.ReadAsStringAsync(Ct)))
            {
                budgetId = doc.RootElement.GetProperty("id").GetString()!;
            }

            using var client = Client(first, key);
            using var call = await client.PostAsync("/v1/chat/completions", CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 300, messages = new[] { new { role = "user", content = "hi" } } }), Ct);
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        await using var second = await StartAsync(upstream);
        using var again = Client(second, TestGateway.AdminKey);
        using var status = JsonDocument.Parse(await again.GetStringAsync($"/admin/budgets/{budgetId}", Ct));
        using var report = JsonDocument.Parse(await again.GetStringAsync("/admin/reports/cost", Ct));
        using var stillValid = await Client(second, key).GetAsync("/v1/models", Ct);

        Assert.Equal("0.000345", status.RootElement.GetProperty("spent").GetString());
        Assert.Equal("0.000345", report.RootElement.GetProperty("total").GetString());
        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
    }

    private Task<GatewayHost> StartAsync(FakeUpstream upstream) => GatewayHost.StartAsync(new GatewayOptions
    {
        Port = 0,
        DataDirectory = _data,
        AdminKey = TestGateway.AdminKey,
        ProvidersFromEnvironment = false,
        Providers = [new ProviderEndpointOptions { Name = "openai", BaseUrl = upstream.OpenAiBase.ToString(), ApiKey = "sk-test" }],
    }, new GatewayHostSettings { LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning }, Ct);

    private static HttpClient Client(GatewayHost host, string key)
    {
        var client = new HttpClient { BaseAddress = host.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
