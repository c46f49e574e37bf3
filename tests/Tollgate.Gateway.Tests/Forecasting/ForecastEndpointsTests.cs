using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Costing;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Forecasting;

public sealed class ForecastEndpointsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminForecast_ByTenant_EachTenantAtItsRate()
    {
        await using var gateway = await TestGateway.StartAsync();
        await SeedAsync(gateway);

        using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/forecast?group_by=tenant&hours=6", Ct));

        Assert.Equal("hour", doc.RootElement.GetProperty("bucket").GetString());
        var groups = doc.RootElement.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!);
        foreach (var (tenant, perHour) in new[] { ("acme", 2m), ("beta", 0.5m) })
        {
            var points = groups[tenant].GetProperty("points").EnumerateArray().ToArray();
            Assert.Equal(6, points.Length);
            Assert.All(points, p => Assert.InRange(decimal.Parse(p.GetProperty("p50").GetString()!, CultureInfo.InvariantCulture), perHour * 0.98m, perHour * 1.02m));
        }
    }

    [Theory]
    [InlineData("group_by=team", "group_by 'team' is unknown")]
    [InlineData("days=0", "days must be a whole number between 1 and 90")]
    [InlineData("hours=1000000", "hours must be a whole number between 1 and 720")]
    [InlineData("days=2&hours=3", "either days or hours")]
    public async Task AdminForecast_BadParameter_400InOpenAiShape(string query, string message)
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.GetAsync("/admin/forecast?" + query, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains(message, doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BudgetsAndUsage_SeededLedger_RunOutProjected()
    {
        await using var gateway = await TestGateway.StartAsync();
        await SeedAsync(gateway);
        // A lifetime budget counts the $672 acme already spent (14 days at $2 an hour), so $772 leaves $100.
        await gateway.CreateBudgetAsync(new { id = "acme-life", scope = new { tenant = "acme" }, limit = "772", currency = "USD", period = "lifetime", enforcement = "hard" });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var now = DateTimeOffset.UtcNow;

        using var admin = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        using var usage = JsonDocument.Parse(await gateway.ClientWithKey(key).GetStringAsync("/v1/tollgate/usage", Ct));

        foreach (var budget in new[] { admin.RootElement.GetProperty("data")[0], usage.RootElement.GetProperty("budgets")[0] })
        {
            // $100 left at $2 an hour: 50 hours from now.
            var p50 = budget.GetProperty("run_out").GetProperty("p50").GetDateTimeOffset();
            Assert.InRange(p50, now.AddHours(50).AddMinutes(-2), now.AddHours(50).AddMinutes(2));
            Assert.Equal(1.0, budget.GetProperty("run_out").GetProperty("probability_before_reset").GetDouble());
        }
    }

    private static async Task SeedAsync(TestGateway gateway)
    {
        var now = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero);
        var records = Enumerable.Range(1, 14 * 24).SelectMany(h => new[]
        {
            Record($"fa{h}", hour.AddHours(-h).AddMinutes(5), "acme", 2m),
            Record($"fb{h}", hour.AddHours(-h).AddMinutes(15), "beta", 0.5m),
        }).ToList();
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(records, Ct);
    }

    private static UsageRecord Record(string id, DateTimeOffset at, string tenant, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tenant = tenant,
        Usage = new Usage { InputTokens = 10, OutputTokens = 10 },
        InputCost = cost / 2,
        OutputCost = cost / 2,
        TotalCost = cost,
    };
}
