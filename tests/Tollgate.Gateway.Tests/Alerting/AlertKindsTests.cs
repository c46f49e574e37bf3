using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Alerts;
using Tollgate.Gateway.Alerting;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Alerting;

/// <summary>The alert kinds raised by the gateway itself: budget refusals, provider circuits, forecast overruns.</summary>
public sealed class AlertKindsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat(string model = "gpt-4o-mini") =>
        CostTests.Json(new { model, max_tokens = 50, messages = new[] { new { role = "user", content = "hello" } } });

    private static async Task<List<JsonElement>> AlertsAsync(TestGateway gateway, string kind, int atLeast = 1)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/alerts?hours=1", Ct));
            var found = doc.RootElement.GetProperty("data").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == kind).Select(e => e.Clone()).ToList();
            if (found.Count >= atLeast || DateTime.UtcNow > until)
            {
                return found;
            }

            await Task.Delay(100, Ct);
        }
    }

    private static Task<TestGateway> StartAsync(Action<GatewayOptions, FakeUpstream>? more = null) => TestGateway.StartAsync((o, u) =>
    {
        o.Alerts = new AlertsOptions { Forecast = new ForecastAlertOptions { Enabled = false } };
        more?.Invoke(o, u);
    });

    [Fact]
    public async Task HardBudgetRefusesTwice_OneBudgetRefusedAlertForTheWindow()
    {
        await using var gateway = await StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme");
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.000001", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        using var first = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        using var second = await client.PostAsync("/v1/chat/completions", Chat(), Ct);

        Assert.Equal(((HttpStatusCode)429, (HttpStatusCode)429), (first.StatusCode, second.StatusCode));
        var alert = Assert.Single(await AlertsAsync(gateway, AlertKinds.BudgetRefused));
        Assert.Equal("warning", alert.GetProperty("severity").GetString());
        Assert.Equal(first.Headers.GetValues("x-tollgate-request-id").Single(), alert.GetProperty("details").GetProperty("request_id").GetString());
        await Task.Delay(300, Ct);
        Assert.Single(await AlertsAsync(gateway, AlertKinds.BudgetRefused));
    }

    [Fact]
    public async Task ProviderModelFailsFiveTimes_CircuitOpenedAlert()
    {
        await using var gateway = await StartAsync((o, _) => o.Providers.RemoveAll(p => p.Name != "openai"));
        gateway.Upstream.FailWithStatus = 503;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        for (var i = 0; i < 5; i++)
        {
            using var failed = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        }

        var alert = Assert.Single(await AlertsAsync(gateway, AlertKinds.CircuitOpened));
        Assert.Equal(("openai", "gpt-4o-mini"), (alert.GetProperty("details").GetProperty("provider").GetString(), alert.GetProperty("details").GetProperty("model").GetString()));
    }

    [Fact]
    public async Task SpendPaceExhaustsBudgetBeforeReset_ForecastOverrunAlertOncePerWindow()
    {
        await using var gateway = await StartAsync();
        var ledger = gateway.Host.Services.GetRequiredService<ILedgerStore>();
        var now = gateway.Host.Services.GetRequiredService<TimeProvider>().GetUtcNow();

        // Two days at $10 an hour for tenant acme; the monthly budget has $100 left: exhausted in about ten hours.
        var records = Enumerable.Range(1, 48).Select(h => new UsageRecord
        {
            RequestId = $"seed-{h}",
            Timestamp = now.AddHours(-h).AddMinutes(5),
            Provider = "openai",
            Model = "gpt-4o",
            Tenant = "acme",
            KeyId = "seed",
            TotalCost = 10m,
        }).ToList();
        await ledger.AppendAsync(records, Ct);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var spentThisMonth = records.Where(r => r.Timestamp >= monthStart).Sum(r => r.TotalCost);
        Assert.SkipWhen(monthStart.AddMonths(1) - now < TimeSpan.FromHours(14), "too close to the month's end for a ten-hour run-out to fall before the reset");
        var budgetId = await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = (spentThisMonth + 100m).ToString(System.Globalization.CultureInfo.InvariantCulture), period = "monthly", enforcement = "soft" });
        await Task.Delay(1500, Ct); // the gate counts the window's ledger spend within a second of seeing the budget

        var alerting = gateway.Host.Services.GetRequiredService<GatewayAlerting>();
        await alerting.CheckForecastsAsync(Ct);
        await alerting.CheckForecastsAsync(Ct);

        var alert = Assert.Single(await AlertsAsync(gateway, AlertKinds.ForecastOverrun));
        Assert.Equal(budgetId, alert.GetProperty("budget_id").GetString());
        Assert.Matches(@"is projected to exceed its limit by \d[\d,]* ?% before its reset on \d{4}-\d{2}-01 00:00 UTC \(P50 run-out ", alert.GetProperty("message").GetString());
        var runOut = DateTimeOffset.Parse(alert.GetProperty("details").GetProperty("run_out").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(runOut - now, TimeSpan.FromHours(5), TimeSpan.FromHours(20));
    }
}
