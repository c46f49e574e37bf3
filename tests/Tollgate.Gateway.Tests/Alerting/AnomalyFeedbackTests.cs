using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Anomalies.Live;
using Tollgate.Budgets;
using Tollgate.Gateway.Alerting;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Alerting;

/// <summary>Operator feedback through the admin API reaches the live rules, and the emergency response is applied and reversed.</summary>
public sealed class AnomalyFeedbackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AnomalyRule Rule(ResponseAction response = ResponseAction.Notify) => new()
    {
        Name = "spend",
        Kind = AnomalyRuleKind.CostSpike,
        Dimension = "tenant",
        WindowSeconds = 60,
        BaselineWindows = 6,
        MinimumBaselineWindows = 3,
        MinImpact = 1m,
        CooldownSeconds = 0,
        Response = response,
    };

    private static Task<TestGateway> StartAsync(AnomalyRule rule) => TestGateway.StartAsync((o, _) => o.Alerts = new AlertsOptions
    {
        // The loop is slow here: each pass is run by the test itself.
        Anomalies = new AnomalyAlertOptions { IntervalSeconds = 3600, Rules = [rule] },
        Forecast = new ForecastAlertOptions { Enabled = false },
    });

    /// <summary>Six minutes at $1 a minute for acme, then <paramref name="now"/> dollars in the current minute.</summary>
    private static async Task SeedAsync(TestGateway gateway, decimal current, string prefix)
    {
        var ledger = gateway.Host.Services.GetRequiredService<ILedgerStore>();
        var now = gateway.Host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var records = new List<UsageRecord>();
        if (prefix == "a")
        {
            records.AddRange(Enumerable.Range(1, 6).Select(k => Record($"base-{k}", now.AddSeconds((-60 * k) - 20), 1m)));
        }

        records.Add(Record($"{prefix}-now", now.AddSeconds(-2), current));
        await ledger.AppendAsync(records, Ct);
    }

    private static UsageRecord Record(string id, DateTimeOffset at, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Tenant = "acme",
        KeyId = "seed",
        TotalCost = cost,
    };

    private static async Task<List<JsonElement>> AnomaliesAsync(TestGateway gateway)
    {
        using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/alerts?hours=1", Ct));
        return doc.RootElement.GetProperty("data").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == AlertKinds.Anomaly).Select(e => e.Clone()).ToList();
    }

    [Fact]
    public async Task MarkedExpected_SameLevelNoLongerAlerts_AHigherOneDoes()
    {
        await using var gateway = await StartAsync(Rule());
        var alerting = gateway.Host.Services.GetRequiredService<GatewayAlerting>();
        await SeedAsync(gateway, 10m, "a");

        await alerting.DetectAnomaliesAsync(Ct);
        var first = Assert.Single(await AnomaliesAsync(gateway));
        using var expected = await gateway.Admin.PostAsync($"/admin/alerts/{first.GetProperty("id").GetInt64()}/expected", CostTests.Json(new { by = "carol" }), Ct);
        Assert.Equal(HttpStatusCode.OK, expected.StatusCode);
        using (var body = JsonDocument.Parse(await expected.Content.ReadAsStringAsync(Ct)))
        {
            Assert.Equal("carol", body.RootElement.GetProperty("expected").GetProperty("by").GetString());
        }

        // Same level again (cooldown 0): learnt as normal, silent.
        await alerting.DetectAnomaliesAsync(Ct);
        Assert.Single(await AnomaliesAsync(gateway));

        // Four times that level: an anomaly against the learnt level.
        await SeedAsync(gateway, 30m, "b");
        await alerting.DetectAnomaliesAsync(Ct);
        var anomalies = await AnomaliesAsync(gateway);
        Assert.Equal(2, anomalies.Count);
        Assert.Equal("10", anomalies[0].GetProperty("details").GetProperty("expected").GetString());
    }

    [Fact]
    public async Task EmergencyResponse_StartsEmergencyMode_OperatorReversalEndsIt()
    {
        await using var gateway = await StartAsync(Rule(ResponseAction.Emergency));
        var alerting = gateway.Host.Services.GetRequiredService<GatewayAlerting>();
        var store = gateway.Host.Services.GetRequiredService<IBudgetStore>();
        await SeedAsync(gateway, 10m, "a");

        await alerting.DetectAnomaliesAsync(Ct);

        var emergency = await store.GetEmergencyAsync(Ct);
        Assert.NotNull(emergency);
        Assert.Equal("anomaly:spend", emergency.BudgetId);
        using var listed = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/alerts/responses", Ct));
        var response = Assert.Single(listed.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("emergency", response.GetProperty("action").GetString());

        using var reverse = await gateway.Admin.PostAsync($"/admin/alerts/responses/{response.GetProperty("id").GetInt64()}/reverse", null, Ct);
        Assert.Equal(HttpStatusCode.OK, reverse.StatusCode);
        Assert.Null(await store.GetEmergencyAsync(Ct));
    }
}
