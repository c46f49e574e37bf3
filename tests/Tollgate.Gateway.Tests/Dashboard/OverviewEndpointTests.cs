using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Alerts;
using Tollgate.Costing;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Dashboard;

/// <summary><c>GET /admin/overview</c>: the first screen in one call, figures computed by hand from a planted ledger.</summary>
public sealed class OverviewEndpointTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 18, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal static UsageRecord Record(string id, DateTimeOffset at, string provider, string tenant, decimal cost, string? keyId = null) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = provider,
        Model = provider == "openai" ? "gpt-4o" : "claude-sonnet-4-5",
        Tenant = tenant,
        KeyId = keyId,
        Usage = new Usage { InputTokens = 100, OutputTokens = 50 },
        InputCost = cost / 2,
        OutputCost = cost / 2,
        TotalCost = cost,
    };

    [Fact]
    public async Task Overview_PlantedLedger_SpendBudgetsProvidersAndAlertsByHand()
    {
        var time = new FakeTimeProvider(Now);
        await using var gateway = await TestGateway.StartAsync(settings: new GatewayHostSettings { Time = time, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(
        [
            Record("today-1", new DateTimeOffset(2026, 11, 18, 2, 0, 0, TimeSpan.Zero), "openai", "acme", 1.25m),
            Record("today-2", new DateTimeOffset(2026, 11, 18, 9, 0, 0, TimeSpan.Zero), "anthropic", "beta", 0.75m),
            Record("yesterday-before", new DateTimeOffset(2026, 11, 17, 8, 0, 0, TimeSpan.Zero), "openai", "acme", 0.50m),
            Record("yesterday-after", new DateTimeOffset(2026, 11, 17, 20, 0, 0, TimeSpan.Zero), "anthropic", "beta", 3.50m),
            Record("month-early", new DateTimeOffset(2026, 11, 5, 12, 0, 0, TimeSpan.Zero), "openai", "acme", 3.00m),
            Record("last-month-before", new DateTimeOffset(2026, 10, 10, 12, 0, 0, TimeSpan.Zero), "openai", "acme", 2.00m),
            Record("last-month-after", new DateTimeOffset(2026, 10, 25, 12, 0, 0, TimeSpan.Zero), "openai", "acme", 7.00m),
        ], Ct);
        await gateway.CreateBudgetAsync(new { id = "acme-month", scope = new { tenant = "acme" }, limit = "10", currency = "USD", period = "monthly", enforcement = "hard" });
        var history = gateway.Host.Services.GetRequiredService<IAlertHistory>();
        await history.AppendAsync(new Alert { At = Now.AddHours(-30), Severity = AlertSeverity.Warning, Kind = "test", Message = "older than a day" }, Ct);
        await history.AppendAsync(new Alert { At = Now.AddHours(-2), Severity = AlertSeverity.Critical, Kind = "test", Message = "two hours ago" }, Ct);

        using var response = await gateway.Admin.GetAsync("/admin/overview", Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;

        // Today: 1.25 + 0.75 = 2; yesterday up to 10:30 only the 08:00 call (0.50): +300 %.
        var today = root.GetProperty("spend").GetProperty("today");
        Assert.Equal(("2", 2L, "0.5", 300m), (today.GetProperty("cost").GetString(), today.GetProperty("requests").GetInt64(), today.GetProperty("previous_cost").GetString(), today.GetProperty("change_percent").GetDecimal()));
        // November so far: 2 + 0.5 + 3.5 + 3 = 9; October up to the 18th 10:30: only 2 (the 25th is after that point): +350 %.
        var month = root.GetProperty("spend").GetProperty("month");
        Assert.Equal(("9", 5L, "2", 350m), (month.GetProperty("cost").GetString(), month.GetProperty("requests").GetInt64(), month.GetProperty("previous_cost").GetString(), month.GetProperty("change_percent").GetDecimal()));

        // acme in November: 1.25 + 0.5 + 3 = 4.75 of 10.
        var budget = Assert.Single(root.GetProperty("budgets").EnumerateArray());
        Assert.Equal(("acme-month", "4.75", "0", "5.25", 0.475m, 47.5m), (budget.GetProperty("id").GetString(), budget.GetProperty("spent").GetString(),
            budget.GetProperty("held").GetString(), budget.GetProperty("remaining").GetString(), budget.GetProperty("used").GetDecimal(), budget.GetProperty("used_percent").GetDecimal()));
        using var budgets = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        var runOut = budgets.RootElement.GetProperty("data")[0].TryGetProperty("run_out", out var r) ? r.GetRawText() : "null";
        Assert.Equal(runOut, budget.TryGetProperty("run_out", out var o) ? o.GetRawText() : "null");

        // Configured providers first (health from this gateway: no calls yet), each with its month from the ledger.
        var providers = root.GetProperty("providers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["openai", "anthropic", "google"], root.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(("4.75", 3L), (providers["openai"].GetProperty("month_cost").GetString(), providers["openai"].GetProperty("requests").GetInt64()));
        Assert.Equal(("4.25", 2L), (providers["anthropic"].GetProperty("month_cost").GetString(), providers["anthropic"].GetProperty("requests").GetInt64()));
        Assert.Equal(("0", 0L), (providers["google"].GetProperty("month_cost").GetString(), providers["google"].GetProperty("requests").GetInt64()));
        Assert.Equal("closed", providers["google"].GetProperty("health").GetProperty("circuit").GetString());
        Assert.True(providers["openai"].GetProperty("enabled").GetBoolean());

        var alert = Assert.Single(root.GetProperty("alerts").EnumerateArray());
        Assert.Equal(("two hours ago", "critical"), (alert.GetProperty("message").GetString(), alert.GetProperty("severity").GetString()));
        Assert.Equal(1, root.GetProperty("alerts_in_window").GetInt32());
        Assert.Equal(2, JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/overview?alert_hours=48", Ct)).RootElement.GetProperty("alerts_in_window").GetInt32());
    }

    [Fact]
    public async Task Overview_KolkataZone_DayStartsAtItsMidnight()
    {
        var time = new FakeTimeProvider(Now); // 16:00 in Kolkata (+05:30); its day began at 18:30 UTC on the 17th
        await using var gateway = await TestGateway.StartAsync(settings: new GatewayHostSettings { Time = time, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(
        [
            Record("before-kolkata-midnight", new DateTimeOffset(2026, 11, 17, 18, 0, 0, TimeSpan.Zero), "openai", "acme", 1m),
            Record("after-kolkata-midnight", new DateTimeOffset(2026, 11, 17, 19, 0, 0, TimeSpan.Zero), "openai", "acme", 2m),
        ], Ct);

        using var utc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/overview", Ct));
        using var kolkata = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/overview?tz=Asia/Kolkata", Ct));

        Assert.Equal("0", utc.RootElement.GetProperty("spend").GetProperty("today").GetProperty("cost").GetString());
        Assert.Equal("2", kolkata.RootElement.GetProperty("spend").GetProperty("today").GetProperty("cost").GetString());
        Assert.Equal("Asia/Kolkata", kolkata.RootElement.GetProperty("time_zone").GetString());
    }

    [Theory]
    [InlineData("tz=Mars/Olympus", "tz 'Mars/Olympus' is not a known time zone")]
    [InlineData("alert_hours=0", "alert_hours must be a whole number between 1 and 8784")]
    public async Task Overview_BadParameter_400InOpenAiShape(string query, string message)
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.GetAsync("/admin/overview?" + query, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains(message, doc.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverviewChart_PlantedLedger_TrendForecastAndAnomaliesInOneAnswer()
    {
        var time = new FakeTimeProvider(Now);
        await using var gateway = await TestGateway.StartAsync(settings: new GatewayHostSettings { Time = time, LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning });
        await gateway.Host.Services.GetRequiredService<ILedgerStore>().AppendAsync(
        [
            Record("a", new DateTimeOffset(2026, 11, 16, 12, 0, 0, TimeSpan.Zero), "openai", "acme", 1.25m),
            Record("b", new DateTimeOffset(2026, 11, 17, 12, 0, 0, TimeSpan.Zero), "anthropic", "beta", 0.75m),
            Record("c", new DateTimeOffset(2026, 11, 17, 13, 0, 0, TimeSpan.Zero), "openai", "acme", 2.00m),
        ], Ct);
        var history = gateway.Host.Services.GetRequiredService<IAlertHistory>();
        await history.AppendAsync(new Alert { At = Now.AddDays(-1), Severity = AlertSeverity.Warning, Kind = AlertKinds.Anomaly, Message = "acme spend 4.1x" }, Ct);
        await history.AppendAsync(new Alert { At = Now.AddHours(-1), Severity = AlertSeverity.Warning, Kind = AlertKinds.BudgetThreshold, Message = "not an anomaly" }, Ct);

        using var chart = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/overview/chart?from=2026-11-15&to=2026-11-18", Ct));
        using var bad = await gateway.Admin.GetAsync("/admin/overview/chart?from=2026-11-18&to=2026-11-15", Ct);

        var points = chart.RootElement.GetProperty("trend").GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(4, points.Count);
        Assert.Equal([0m, 1.25m, 2.75m, 0m], points.Select(p => decimal.Parse(p.GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(7, chart.RootElement.GetProperty("forecast").GetProperty("groups")[0].GetProperty("points").GetArrayLength());
        var anomaly = Assert.Single(chart.RootElement.GetProperty("anomalies").EnumerateArray());
        Assert.Equal("acme spend 4.1x", anomaly.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task OpenApi_OverviewCallsExportAndDashboard_Described()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var doc = JsonDocument.Parse(await gateway.Http.GetStringAsync("/openapi.json", Ct));

        var paths = doc.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/admin/overview", "/admin/overview/chart", "/admin/providers/{name}/models/disable", "/admin/calls", "/admin/calls/{id}", "/admin/export", "/v1/tollgate/calls", "/v1/tollgate/calls/{id}", "/v1/tollgate/export", "/", "/dashboard/api/session", "/dashboard/api/logout" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"openapi.json lacks {path}");
        }
    }

    [Fact]
    public async Task Overview_VirtualKey_Forbidden()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");

        using var response = await gateway.ClientWithKey(key).GetAsync("/admin/overview", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
