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

/// <summary>Operator feedback through the admin API reaches the live rules, and the scoped emergency response is applied and reversed.</summary>
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
    public async Task EmergencyResponse_SwitchesOnlyTheTenantToTheCheapestModel_OperatorReversalEndsIt()
    {
        var rule = Rule(ResponseAction.Emergency);
        rule.ThrottleRpm = 0;
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.FallbackModels["gpt-4o"] = "gpt-4o-mini";
            o.Alerts = new AlertsOptions
            {
                Anomalies = new AnomalyAlertOptions { IntervalSeconds = 3600, Rules = [rule] },
                Forecast = new ForecastAlertOptions { Enabled = false },
            };
        });
        var alerting = gateway.Host.Services.GetRequiredService<GatewayAlerting>();
        var (_, acmeKey) = await gateway.CreateKeyAsync("acme");
        var (_, globexKey) = await gateway.CreateKeyAsync("globex");
        using var acme = gateway.ClientWithKey(acmeKey);
        using var globex = gateway.ClientWithKey(globexKey);
        await SeedAsync(gateway, 10m, "a");

        await alerting.DetectAnomaliesAsync(Ct);

        // Not the gateway-wide mode: only acme's calls go to the cheapest eligible model.
        Assert.Null(await gateway.Host.Services.GetRequiredService<IBudgetStore>().GetEmergencyAsync(Ct));
        using var listed = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/alerts/responses", Ct));
        var response = Assert.Single(listed.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("emergency", response.GetProperty("action").GetString());
        Assert.Equal("gpt-4o-mini", await SentModelAsync(gateway, acme, expectAdapted: true));
        Assert.Equal("gpt-4o", await SentModelAsync(gateway, globex, expectAdapted: false));

        using var reverse = await gateway.Admin.PostAsync($"/admin/alerts/responses/{response.GetProperty("id").GetInt64()}/reverse", null, Ct);
        Assert.Equal(HttpStatusCode.OK, reverse.StatusCode);
        Assert.Equal("gpt-4o", await SentModelAsync(gateway, acme, expectAdapted: false));
        var ledger = gateway.Host.Services.GetRequiredService<ILedgerStore>();
        var billed = new List<string?>();
        await foreach (var record in ledger.ReadAsync(new LedgerFilter { Tenant = "acme" }, Ct))
        {
            if (record.KeyId != "seed")
            {
                billed.Add(record.Model);
            }
        }

        Assert.Equal(["gpt-4o-mini", "gpt-4o"], billed);
    }

    /// <summary>Sends a gpt-4o chat call; returns the model the upstream received.</summary>
    private static async Task<string?> SentModelAsync(TestGateway gateway, HttpClient client, bool expectAdapted)
    {
        using var content = new StringContent("""{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":"hello"}]}""", System.Text.Encoding.UTF8, "application/json");
        using var answer = await client.PostAsync("/v1/chat/completions", content, Ct);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(expectAdapted, answer.Headers.TryGetValues("x-tollgate-adapted", out var adapted) && adapted.Single().Contains("model=gpt-4o-mini", StringComparison.Ordinal));
        using var sent = JsonDocument.Parse(gateway.Upstream.Requests.Last().Body);
        return sent.RootElement.GetProperty("model").GetString();
    }
}
