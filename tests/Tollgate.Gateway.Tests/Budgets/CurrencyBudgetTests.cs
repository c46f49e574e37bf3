using System.Net;
using System.Text.Json;
using Tollgate.Gateway.Tests.Admin;
using Tollgate.Gateway.Tests.Costs;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Pricing;

namespace Tollgate.Gateway.Tests.Budgets;

/// <summary>A budget in another currency than USD is enforced at the configured dated rate, or refused at creation.</summary>
public sealed class CurrencyBudgetTests
{
    // gpt-4o-mini, 1200 prompt tokens (200 cached) and 300 completion tokens: 0.000345 USD.
    private const decimal CallCostUsd = ((1000 * 0.15m) + (200 * 0.075m) + (300 * 0.60m)) / 1_000_000m;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object ChatBody => new { model = "gpt-4o-mini", max_tokens = 300, messages = new[] { new { role = "user", content = "hello" } } };

    [Fact]
    public async Task AdminBudget_CurrencyWithoutRate_Returns400NamingTheMissingRate()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var response = await gateway.Admin.PostAsync("/admin/budgets",
            CostTests.Json(new { scope = new { tenant = "acme" }, limit = "0.03", currency = "EUR", period = "daily", enforcement = "hard" }), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await AdminKeysTests.ReadErrorAsync(response)).GetProperty("message").GetString()!;
        Assert.Contains("currency EUR has no exchange rate", message);
        Assert.Contains("USD→EUR", message);
        using var list = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        Assert.Empty(list.RootElement.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Chat_EurHardBudgetWithDatedRate_EnforcedInEurAndListed()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            // A rate from long ago and the one in force now: the one in force converts.
            o.Pricing.ExchangeRates.Add(new ExchangeRate("EUR", 0.5m, DateTimeOffset.MinValue));
            o.Pricing.ExchangeRates.Add(new ExchangeRate("EUR", 2m, new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        });
        gateway.Upstream.CachedTokens = 200;
        var (_, key) = await gateway.CreateKeyAsync("acme");
        var budgetId = await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "0.001", currency = "EUR", period = "daily", enforcement = "hard" });
        using var client = gateway.ClientWithKey(key);

        // First call: its worst case (≈ 0.00018 USD = 0.00036 EUR) fits; it spends 0.000345 USD = 0.00069 EUR.
        using var first = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody), Ct);
        // Second call: 0.00031 EUR remain, the worst case needs ≈ 0.00036 EUR: refused.
        using var second = await client.PostAsync("/v1/chat/completions", CostTests.Json(ChatBody), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        var error = await AdminKeysTests.ReadErrorAsync(second);
        Assert.Equal("EUR", error.GetProperty("budget").GetProperty("currency").GetString());
        Assert.Equal(1, gateway.Upstream.RequestCount);
        using var list = JsonDocument.Parse(await gateway.Admin.GetStringAsync("/admin/budgets", Ct));
        var listed = Assert.Single(list.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal(budgetId, listed.GetProperty("id").GetString());
        Assert.Equal("EUR", listed.GetProperty("currency").GetString());
        Assert.Equal(CallCostUsd * 2m, decimal.Parse(listed.GetProperty("spent").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }
}
