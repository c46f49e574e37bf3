using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Tollgate.Alerts;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Alerting;

/// <summary>Alerts from the request path: a threshold crossed by a request is alerted at once, and a dead channel slows nothing.</summary>
public sealed class AlertDeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat() =>
        CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 50, messages = new[] { new { role = "user", content = "hello" } } });

    private static AlertsOptions Hook(WebhookReceiver hook, int retries = 0) => new()
    {
        Channels = [new AlertChannelOptions { Name = "ops", Type = "webhook", Url = hook.Url.ToString(), Format = WebhookFormat.Slack, MaxRetries = retries, FirstRetryDelaySeconds = 0.1, TimeoutSeconds = 30 }],
        Forecast = new ForecastAlertOptions { Enabled = false },
    };

    [Fact]
    public async Task BudgetThreshold_CrossedByARequest_AlertedAtSettlementWithThatRequest_NotOnTheTick()
    {
        await using var hook = await WebhookReceiver.StartAsync();
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Alerts = Hook(hook);
            o.AlertCheckSeconds = 3600; // the periodic check cannot be what fires
        });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        // Each call costs $0.00036 (1200 in, 300 out at gpt-4o-mini's price): the second crosses 50 % of $0.001.
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.001", period = "daily", enforcement = "soft" });
        using var client = gateway.ClientWithKey(key);

        using var first = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        await Task.Delay(500, Ct);
        Assert.Null(await hook.WaitForAsync(b => b.Contains("budget_threshold", StringComparison.Ordinal), TimeSpan.FromMilliseconds(200)));
        var clock = Stopwatch.StartNew();
        using var second = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        var crossingId = second.Headers.GetValues("x-tollgate-request-id").Single();

        var body = await hook.WaitForAsync(b => b.Contains("budget_threshold", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.NotNull(body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        using var doc = JsonDocument.Parse(body);
        var details = doc.RootElement.GetProperty("details");
        Assert.Equal("0.5", details.GetProperty("threshold").GetString());
        Assert.Equal(crossingId, details.GetProperty("request_id").GetString());
        Assert.StartsWith("[INFO]", doc.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhookHangs_RequestsAreNotSlowed_AlertsStillRecorded()
    {
        await using var hook = await WebhookReceiver.StartAsync();
        hook.Hang = TimeSpan.FromSeconds(60);
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Alerts = Hook(hook, retries: 3);
            o.AlertCheckSeconds = 3600;
        });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        // Thresholds every few calls: the channel always has alerts to (fail to) deliver while requests run.
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.002", period = "daily", enforcement = "soft" });
        using var client = gateway.ClientWithKey(key);
        using (var warm = await client.PostAsync("/v1/chat/completions", Chat(), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 10; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
            clock.Stop();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
        }

        // The webhook holds a delivery open the whole time, and nothing was delivered, yet no request waited for it.
        var deadline = Stopwatch.StartNew();
        while (hook.Arrived == 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50, Ct);
        }

        Assert.True(hook.Arrived >= 1, "the channel tried to deliver");
        Assert.Empty(hook.Received);
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"slowest request {slowest}");
        using var alerts = await gateway.Admin.GetAsync("/admin/alerts?hours=1", Ct);
        var text = await alerts.Content.ReadAsStringAsync(Ct);
        Assert.Contains("budget_threshold", text, StringComparison.Ordinal);
    }
}
