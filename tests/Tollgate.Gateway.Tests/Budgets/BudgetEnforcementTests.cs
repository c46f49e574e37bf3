using System.Globalization;
using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Tests.Admin;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;

namespace Tollgate.Gateway.Tests.Budgets;

public sealed class BudgetEnforcementTests
{
    private const decimal CallCost = ((1000 * 0.15m) + (200 * 0.075m) + (300 * 0.60m)) / 1_000_000m; // 0.000345

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object ChatBody(int maxTokens) => new { model = "gpt-4o-mini", max_tokens = maxTokens, messages = new[] { new { role = "user", content = "hello" } } };

    [Fact]
    public async Task Chat_WorstCaseDoesNotFitHardBudget_Refused429NamingTheBudgetAndNothingForwarded()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CachedTokens = 200;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var budgetId = await gateway.CreateBudgetAsync(new { id = "acme-daily", name = "acme daily", scope = new { tenant = "acme" }, limit = "0.0005", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        // First call: worst case (a few input tokens + 300 output at 0.60/M ≈ 0.00018) fits; it spends 0.000345.
        using var first = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(300)), Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(0.0005m - CallCost, decimal.Parse(first.Headers.GetValues("x-tollgate-budget-remaining").Single(), CultureInfo.InvariantCulture));

        // Second call: 0.000155 remains, the worst case needs about 0.00018: refused before reaching the provider.
        using var second = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(300)), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        var error = await AdminKeysTests.ReadErrorAsync(second);
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("acme daily", message);
        Assert.Contains(budgetId, message);
        Assert.Contains("limit 0.0005 USD", message);
        Assert.Contains("spent 0.000345", message);
        Assert.Contains("held 0", message);
        Assert.Contains("needs up to 0.00018", message);
        Assert.Contains("resets at ", message);
        var budget = error.GetProperty("budget");
        Assert.Equal("0.000345", budget.GetProperty("spent").GetString());
        // Waiting seconds cannot fix an exhausted daily budget: SDKs are told not to retry, and not to sleep until the reset.
        Assert.Null(second.Headers.RetryAfter);
        Assert.Equal("false", second.Headers.GetValues("x-should-retry").Single());
        Assert.Single(gateway.Upstream.Requests);
        Assert.Single(await gateway.LedgerRecordsAsync());
    }

    [Fact]
    public async Task Chat_BudgetFullOnlyOfHoldsInFlight_RefusedWithAShortRetryAfter()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.ChunkDelay = TimeSpan.FromMilliseconds(400);
        var (_, key) = await gateway.CreateKeyAsync("acme");
        // One worst case (300 output tokens at 0.60/M ≈ 0.00018) fits; a second one alongside it does not, but would alone.
        await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.0003", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);
        using var streaming = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 300, stream = true, messages = new[] { new { role = "user", content = "hello" } } }),
        };
        using var first = await client.SendAsync(streaming, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // While the first call's hold is in flight: waiting a second lets it settle, so clients are told to retry soon.
        using var second = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(300)), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("budget_exceeded", (await AdminKeysTests.ReadErrorAsync(second)).GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Equal("true", second.Headers.GetValues("x-should-retry").Single());
    }

    [Fact]
    public async Task AdminBudget_Get_ShowsLimitSpentHeldRemainingAndReset()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Upstream.CachedTokens = 200;
        var (keyId, key) = await gateway.CreateKeyAsync("acme");
        var budgetId = await gateway.CreateBudgetAsync(new { scope = new { key = keyId }, limit = "1.50", currency = "USD", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);
        using var call = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(300)), Ct);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);

        using var doc = JsonDocument.Parse(await gateway.Admin.GetStringAsync($"/admin/budgets/{budgetId}", Ct));

        var root = doc.RootElement;
        Assert.Equal("1.5", root.GetProperty("limit").GetString());
        Assert.Equal("0.000345", root.GetProperty("spent").GetString());
        Assert.Equal("0", root.GetProperty("held").GetString());
        Assert.Equal((1.5m - CallCost).ToString(CultureInfo.InvariantCulture), root.GetProperty("remaining").GetString());
        Assert.Equal(keyId, root.GetProperty("scope").GetProperty("key").GetString());
        var resets = root.GetProperty("resets_at").GetDateTimeOffset();
        Assert.Equal(TimeSpan.Zero, resets.TimeOfDay);
        using var list = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        Assert.Single(list.RootElement.GetProperty("data").EnumerateArray());
    }

    [Theory]
    [InlineData("{\"scope\": {}, \"limit\": \"abc\"}", "\"limit\" must be a decimal amount")]
    [InlineData("{\"scope\": {}}", "\"limit\" is required")]
    [InlineData("{\"scope\": {}, \"limit\": \"1\", \"period\": \"fortnightly\"}", "unknown period")]
    [InlineData("{\"limit\": \"1\", \"scope\": {\"team\": \"x\"}}", "scope part \"team\" is unknown")]
    [InlineData("{\"scope\": {}, \"limit\": \"-1\"}", "limit must be greater than 0")]
    [InlineData("{\"scope\": {}, \"limit\": \"1\", \"enforcement\": \"strict\"}", "enforcement 'strict' is unknown")]
    [InlineData("{\"scope\": {}, \"limit\": \"1,50\"}", "no thousands separators")]
    [InlineData("{\"limit\": \"1\"}", "\"scope\" is required")]
    [InlineData("{\"scope\": null, \"limit\": \"1\"}", "\"scope\" is required")]
    [InlineData("{\"scope\": {}, \"limit\": \"1\", \"period\": 1}", "\"period\" must be a string")]
    [InlineData("{\"scope\": {}, \"limit\": \"1\", \"limt\": \"2\"}", "\"limt\" is not a field")]
    [InlineData("{\"scope\": {}, \"limit\": \"1\", \"name\": \"ops\\r\\nX-Injected: 1\"}", "\"name\" has a line break")]
    public async Task AdminBudget_InvalidDefinition_Returns400SayingWhatToFix(string body, string expected)
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.PostAsync("/admin/budgets", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Chat_KeyRateLimit_ThirdRequestInAMinuteRefusedWithRetryAfter()
    {
        await using var gateway = await TestGateway.StartAsync();
        var (_, key) = await gateway.CreateKeyAsync("acme", extra: new { rpm = 2 });
        using var client = gateway.ClientWithKey(key);

        using var one = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(10)), Ct);
        using var two = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(10)), Ct);
        using var three = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(10)), Ct);

        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, three.StatusCode);
        Assert.NotNull(three.Headers.RetryAfter);
        Assert.True(three.Headers.RetryAfter!.Delta > TimeSpan.Zero);
        Assert.Equal("true", three.Headers.GetValues("x-should-retry").Single());
        Assert.True(long.Parse(three.Headers.GetValues("retry-after-ms").Single(), CultureInfo.InvariantCulture) > 0);
        var error = await AdminKeysTests.ReadErrorAsync(three);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal(2, gateway.Upstream.RequestCount);
        Assert.Equal(2, (await gateway.LedgerRecordsAsync()).Count);
    }

    [Fact]
    public async Task Chat_ConfiguredTenantRateLimit_AppliesAcrossKeysOfTheTenant()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) => o.RateLimits = [new() { Dimension = "tenant", Rpm = 1 }]);
        var (_, first) = await gateway.CreateKeyAsync("acme");
        var (_, second) = await gateway.CreateKeyAsync("acme");
        var (_, other) = await gateway.CreateKeyAsync("globex");

        using var a = await gateway.ClientWithKey(first).PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(10)), Ct);
        using var b = await gateway.ClientWithKey(second).PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(10)), Ct);
        using var c = await gateway.ClientWithKey(other).PostAsync("/v1/chat/completions", CostTests.Json(ChatBody(10)), Ct);

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, b.StatusCode);
        Assert.Equal(HttpStatusCode.OK, c.StatusCode);
    }
}
