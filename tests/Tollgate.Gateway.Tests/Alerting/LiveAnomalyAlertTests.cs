using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tollgate.Alerts;
using Tollgate.Alerts.Responses;
using Tollgate.Anomalies.Live;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Alerting;

/// <summary>
/// Live anomaly detection end to end: a steady history of two tenants in the ledger, then a spike of one tenant on an
/// expensive model through the gateway → an anomaly alert naming tenant and model delivered to a webhook listener,
/// the rule's throttle applied to that tenant only (429), reversed by an operator (200 again), all recorded.
/// </summary>
public sealed class LiveAnomalyAlertTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat(string model) =>
        CostTests.Json(new { model, max_tokens = 50, messages = new[] { new { role = "user", content = "hello" } } });

    [Fact]
    public async Task TenantSpike_AnomalyAlertWithRootCauseReachesWebhook_TenantThrottled_OperatorReverses()
    {
        await using var hook = await WebhookReceiver.StartAsync();
        var rule = new AnomalyRule
        {
            Name = "tenant-cost-spike",
            Kind = AnomalyRuleKind.CostSpike,
            Dimension = "tenant",
            WindowSeconds = 30,
            BaselineWindows = 6,
            MinimumBaselineWindows = 3,
            Factor = 3,
            MinImpact = 0.01m,
            MinDeviationPercent = 100,
            Response = ResponseAction.Throttle,
            ThrottleRpm = 1,
            ResponseMinutes = 0,
        };
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Alerts = new AlertsOptions
            {
                Channels = [new AlertChannelOptions { Name = "ops", Type = "webhook", Url = hook.Url.ToString(), Format = WebhookFormat.Json, Kinds = [AlertKinds.Anomaly, AlertKinds.ResponseApplied] }],
                Anomalies = new AnomalyAlertOptions { IntervalSeconds = 1, Rules = [rule] },
                Forecast = new ForecastAlertOptions { Enabled = false },
                ResponseRefreshSeconds = 1,
            };
        });
        var (_, acmeKey) = await gateway.CreateKeyAsync("acme");
        var (_, betaKey) = await gateway.CreateKeyAsync("beta");

        // Steady seeded traffic: each tenant spent $0.001 per 30 s window on gpt-4o-mini over the last three minutes.
        var ledger = gateway.Host.Services.GetRequiredService<ILedgerStore>();
        var now = gateway.Host.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var seeded = new List<UsageRecord>();
        for (var k = 1; k <= 6; k++)
        {
            foreach (var tenant in new[] { "acme", "beta" })
            {
                seeded.Add(new UsageRecord
                {
                    RequestId = $"seed-{tenant}-{k}",
                    Timestamp = now - TimeSpan.FromSeconds((30 * k) + 15),
                    Provider = "openai",
                    Model = "gpt-4o-mini",
                    Tenant = tenant,
                    KeyId = "seed",
                    TotalCost = 0.001m,
                });
            }
        }

        await ledger.AppendAsync(seeded, Ct);

        // The spike: acme calls gpt-4o (about $0.006 a call) until the throttle answers.
        using var acme = gateway.ClientWithKey(acmeKey);
        using var beta = gateway.ClientWithKey(betaKey);
        var clock = Stopwatch.StartNew();
        HttpResponseMessage? throttled = null;
        var answered = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var response = await acme.PostAsync("/v1/chat/completions", Chat("gpt-4o"), Ct);
            if (response.StatusCode == (HttpStatusCode)429)
            {
                throttled = response;
                break;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
            answered++;
            await Task.Delay(200, Ct);
        }

        Assert.NotNull(throttled);
        var alertBody = await hook.WaitForAsync(b => b.Contains("\"kind\":\"anomaly\"", StringComparison.Ordinal), TimeSpan.FromSeconds(60) - clock.Elapsed);
        var detected = clock.Elapsed;
        Assert.NotNull(alertBody);
        Assert.True(detected < TimeSpan.FromSeconds(60), $"alerted after {detected}");

        using var alert = JsonDocument.Parse(alertBody);
        var root = alert.RootElement;
        var details = root.GetProperty("details");
        Assert.Equal("tollgate.alert.v1", root.GetProperty("schema").GetString());
        Assert.Equal(("tenant", "acme"), (details.GetProperty("dimension").GetString(), details.GetProperty("value").GetString()));
        Assert.Equal(("model", "gpt-4o"), (details.GetProperty("cause_dimension").GetString(), details.GetProperty("cause_value").GetString()));
        Assert.StartsWith("anomaly (tenant-cost-spike): tenant acme, model gpt-4o, +$", root.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(decimal.Parse(details.GetProperty("impact").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 0.01m);
        Assert.Equal("0.001", details.GetProperty("expected_cost").GetString());

        // The throttle: acme gets 429 naming the response, beta (not anomalous) is still served.
        var refusal = await throttled.Content.ReadAsStringAsync(Ct);
        Assert.Contains("automated response", refusal, StringComparison.Ordinal);
        Assert.NotNull(throttled.Headers.RetryAfter);
        throttled.Dispose();
        using (var betaCall = await beta.PostAsync("/v1/chat/completions", Chat("gpt-4o-mini"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, betaCall.StatusCode);
        }

        Assert.NotNull(await hook.WaitForAsync(b => b.Contains("\"kind\":\"response_applied\"", StringComparison.Ordinal), TimeSpan.FromSeconds(10)));

        // Listed and reversible by an operator.
        using var listed = await gateway.Admin.GetFromJsonAsync<JsonDocument>("/admin/alerts/responses", Ct);
        var response1 = Assert.Single(listed!.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal(("throttle", "tenant", "acme", 1), (response1.GetProperty("action").GetString(), response1.GetProperty("dimension").GetString(), response1.GetProperty("value").GetString(), response1.GetProperty("rpm").GetInt32()));
        var responseId = response1.GetProperty("id").GetInt64();
        using var reverse = await gateway.Admin.PostAsync($"/admin/alerts/responses/{responseId}/reverse", CostTests.Json(new { by = "alice" }), Ct);
        Assert.Equal(HttpStatusCode.OK, reverse.StatusCode);
        using (var again = await acme.PostAsync("/v1/chat/completions", Chat("gpt-4o-mini"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using var reverseAgain = await gateway.Admin.PostAsync($"/admin/alerts/responses/{responseId}/reverse", null, Ct);
        Assert.Equal(HttpStatusCode.NotFound, reverseAgain.StatusCode);

        // The history holds the anomaly, the response and its reversal; an operator acknowledges the anomaly.
        using var history = await gateway.Admin.GetFromJsonAsync<JsonDocument>("/admin/alerts?hours=1", Ct);
        var entries = history!.RootElement.GetProperty("data").EnumerateArray().ToList();
        var anomaly = entries.Single(e => e.GetProperty("kind").GetString() == AlertKinds.Anomaly);
        Assert.Contains(entries, e => e.GetProperty("kind").GetString() == AlertKinds.ResponseApplied);
        var reversal = entries.Single(e => e.GetProperty("kind").GetString() == AlertKinds.ResponseReversed);
        Assert.Equal("alice", reversal.GetProperty("details").GetProperty("by").GetString());
        using var ack = await gateway.Admin.PostAsync($"/admin/alerts/{anomaly.GetProperty("id").GetInt64()}/ack", null, Ct);
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        using var afterAck = await gateway.Admin.GetFromJsonAsync<JsonDocument>("/admin/alerts?hours=1", Ct);
        var acked = afterAck!.RootElement.GetProperty("data").EnumerateArray().Single(e => e.GetProperty("kind").GetString() == AlertKinds.Anomaly);
        Assert.Equal("admin", acked.GetProperty("acknowledged").GetProperty("by").GetString());
        Assert.True(answered >= 1);

        // The audit log has the response applied by the rule and reversed by alice, with the state before and after.
        using var audit = await gateway.Admin.GetFromJsonAsync<JsonDocument>("/admin/audit?limit=50", Ct);
        var audited = audit!.RootElement.GetProperty("data").EnumerateArray().ToList();
        var applied = audited.Single(e => e.GetProperty("action").GetString() == "alert_response.applied");
        var reversedEntry = audited.Single(e => e.GetProperty("action").GetString() == "alert_response.reversed");
        Assert.Equal(("tenant:acme", "tollgate (automated)"), (applied.GetProperty("target").GetString(), applied.GetProperty("actor").GetString()));
        Assert.Equal("alice", reversedEntry.GetProperty("actor").GetString());
        Assert.Contains("throttle", reversedEntry.GetProperty("before").ToString(), StringComparison.Ordinal);
    }
}
