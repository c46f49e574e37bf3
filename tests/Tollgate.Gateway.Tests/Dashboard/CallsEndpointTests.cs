using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Dashboard;

/// <summary><c>GET /admin/calls</c>, <c>/admin/calls/{id}</c> and <c>/admin/export</c>: the ledger's records over HTTP.</summary>
public sealed class CallsEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Calls_PlantedRecords_NewestFirstFilteredAndOneCallsAttemptsWithItsBudgets()
    {
        await using var gateway = await TestGateway.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(
        [
            OverviewEndpointTests.Record("r-old", now.AddDays(-3), "openai", "acme", 0.5m),
            OverviewEndpointTests.Record("r-mid", now.AddHours(-5), "anthropic", "globex", 0.25m),
            OverviewEndpointTests.Record("r-new", now.AddMinutes(-10), "openai", "acme", 0.125m) with { Success = false, ErrorClass = "upstream_5xx" },
            OverviewEndpointTests.Record("r-new", now.AddMinutes(-9), "anthropic", "acme", 0.0625m) with { Attempt = 2 },
        ], Ct);
        await gateway.CreateBudgetAsync(new { id = "acme", scope = new { tenant = "acme" }, limit = "10", period = "monthly" });
        await gateway.CreateBudgetAsync(new { id = "anthropic-only", scope = new { provider = "anthropic" }, limit = "10", period = "monthly" });
        await gateway.CreateBudgetAsync(new { id = "globex", scope = new { tenant = "globex" }, limit = "10", period = "monthly" });

        using var all = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls", Ct));
        using var two = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls?limit=2", Ct));
        using var acme = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls?tenant=acme", Ct));
        using var detail = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls/r-new", Ct));
        using var sinceTwoDays = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls?from=" + Uri.EscapeDataString(now.AddDays(-2).ToString("O")), Ct));
        using var sinceFourDays = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls?limit=3&from=" + Uri.EscapeDataString(now.AddDays(-4).ToString("O")), Ct));

        static IEnumerable<string> Ids(JsonDocument d) => d.RootElement.GetProperty("data").EnumerateArray().Select(r => $"{r.GetProperty("request_id").GetString()}#{r.GetProperty("attempt").GetInt32()}");
        Assert.Equal(["r-new#2", "r-new#1", "r-mid#1", "r-old#1"], Ids(all));
        Assert.Equal(["r-new#2", "r-new#1"], Ids(two));
        Assert.Equal(["r-new#2", "r-new#1", "r-old#1"], Ids(acme));
        Assert.Equal(["r-new#2", "r-new#1", "r-mid#1"], Ids(sinceTwoDays));
        Assert.Equal(["r-new#2", "r-new#1", "r-mid#1"], Ids(sinceFourDays));
        var root = detail.RootElement;
        Assert.Equal("0.1875", root.GetProperty("total_cost_usd").GetString()); // 0.125 + 0.0625
        Assert.Equal([1, 2], root.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("attempt").GetInt32()));
        Assert.Equal("upstream_5xx", root.GetProperty("attempts")[0].GetProperty("error_class").GetString());
        Assert.Equal(["acme", "anthropic-only"], root.GetProperty("budgets").EnumerateArray().Select(b => b.GetProperty("id").GetString()));

        using var missing = await gateway.Admin.GetAsync("/admin/calls/r-none", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Export_Csv_HeaderAndOneRowPerRecordOfTheFilter()
    {
        await using var gateway = await TestGateway.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var records = new[]
        {
            OverviewEndpointTests.Record("e-1", now.AddHours(-2), "openai", "acme", 0.5m),
            OverviewEndpointTests.Record("e-2", now.AddHours(-1), "openai", "globex", 0.25m),
        };
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(records, Ct);

        using var response = await gateway.Admin.GetAsync("/admin/export?tenant=acme", Ct);
        var csv = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(LedgerCsv.Header + "\n" + LedgerCsv.FormatRow((await gateway.LedgerRecordAsync("e-1"))!) + "\n", csv);
        var jsonl = await gateway.Admin.GetStringAsync("/admin/export?format=jsonl&tenant=globex", Ct);
        Assert.Equal(LedgerJsonLines.Serialize((await gateway.LedgerRecordAsync("e-2"))!) + "\n", jsonl);
    }

    [Fact]
    public async Task CallsAndExport_TagFilter_OnlyRecordsCarryingEveryTag()
    {
        await using var gateway = await TestGateway.StartAsync();
        var now = DateTimeOffset.UtcNow;
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(
        [
            OverviewEndpointTests.Record("t-search", now.AddHours(-3), "openai", "acme", 0.5m) with { Tags = new Dictionary<string, string> { ["feature"] = "search", ["team"] = "ml" } },
            OverviewEndpointTests.Record("t-chat", now.AddHours(-2), "openai", "acme", 0.25m) with { Tags = new Dictionary<string, string> { ["feature"] = "chat", ["team"] = "ml" } },
            OverviewEndpointTests.Record("t-none", now.AddHours(-1), "openai", "acme", 0.125m),
        ], Ct);

        using var calls = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls?tag=team=ml", Ct));
        using var both = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/calls?tag=team=ml&tag=feature=chat", Ct));
        var csv = await gateway.Admin.GetStringAsync("/admin/export?tag=feature=search", Ct);

        Assert.Equal(["t-chat", "t-search"], calls.RootElement.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal(["t-chat"], both.RootElement.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()));
        Assert.Equal(LedgerCsv.Header + "\n" + LedgerCsv.FormatRow((await gateway.LedgerRecordAsync("t-search"))!) + "\n", csv);
    }

    [Theory]
    [InlineData("/admin/export?tag=feature", "tag: tag filter 'feature' is not KEY=VALUE")]
    [InlineData("/admin/calls?limit=0", "limit must be a whole number between 1 and 500")]
    [InlineData("/admin/calls?limit=501", "limit must be a whole number between 1 and 500")]
    [InlineData("/admin/calls?tz=Mars/Olympus", "tz 'Mars/Olympus' is not a known time zone")]
    [InlineData("/admin/calls?from=2026-12-02&to=2026-12-01", "from is not before to")]
    [InlineData("/admin/export?format=xml", "format 'xml' is unknown: use csv or jsonl")]
    [InlineData("/admin/export?from=yesterday", "from 'yesterday' is not a date")]
    public async Task CallsAndExport_BadParameter_400InOpenAiShape(string path, string message)
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains(message, doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
