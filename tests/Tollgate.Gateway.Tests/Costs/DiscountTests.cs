using System.Globalization;
using System.Net;
using Tollgate.Gateway.Configuration;
using Tollgate.Gateway.Tests.Infrastructure;
using Tollgate.Pricing;

namespace Tollgate.Gateway.Tests.Costs;

/// <summary>Negotiated and volume discounts from the pricing configuration are applied to what the gateway charges and records.</summary>
public sealed class DiscountTests
{
    // gpt-4o-mini at list price: 1200 input × 0.15/M + 300 output × 0.60/M (the fake upstream's default usage).
    private const decimal ListCost = ((1200 * 0.15m) + (300 * 0.60m)) / 1_000_000m;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Chat() => CostTests.Json(new { model = "gpt-4o-mini", max_tokens = 50, messages = new[] { new { role = "user", content = "hi" } } });

    [Fact]
    public async Task Chat_NegotiatedThenVolumeDiscount_CostHeaderLedgerAndBudgetUseTheDiscountedPrice()
    {
        await using var gateway = await TestGateway.StartAsync((o, _) =>
        {
            o.Pricing.NegotiatedDiscounts.Add(new NegotiatedDiscount("openai", null, 20m));
            // 10% off once this month's spend reaches 0.0002 USD: the first call (0.000288) crosses it.
            o.Pricing.VolumeDiscounts.Add(new VolumeDiscountTier(0.0002m, 10m));
        });
        var budget = await gateway.CreateBudgetAsync(new { scope = new { tenant = "acme" }, limit = "1", currency = "USD", period = "monthly", enforcement = "hard" });
        var (_, key) = await gateway.CreateKeyAsync("acme");
        using var client = gateway.ClientWithKey(key);

        using var first = await client.PostAsync("/v1/chat/completions", Chat(), Ct);
        using var second = await client.PostAsync("/v1/chat/completions", Chat(), Ct);

        var negotiated = ListCost * 0.8m;
        var both = negotiated * 0.9m;
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(negotiated, Cost(first));
        Assert.Equal(both, Cost(second));
        var record = await gateway.LedgerRecordAsync(second.Headers.GetValues("x-tollgate-request-id").Single());
        Assert.Equal(both, record!.TotalCost);
        using var status = System.Text.Json.JsonDocument.Parse(await gateway.Admin.GetStringAsync($"/admin/budgets/{budget}", Ct));
        Assert.Equal(negotiated + both, decimal.Parse(status.RootElement.GetProperty("spent").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Load_PricingSectionOfTollgateJson_ReadAsTheCliReadsIt()
    {
        var file = Path.Combine(Path.GetTempPath(), "tg-pricing-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, """
            { "port": 4100,
              "pricing": { "negotiatedDiscounts": [ { "provider": "openai", "percent": 15 } ],
                           "volumeDiscounts": [ { "minimumPeriodSpend": 1000, "percent": 5 } ] },
              "routing": { "allowSubstitution": false, "retry": { "maxAttemptsPerCandidate": 1 } } }
            """);
        try
        {
            var options = GatewayConfiguration.Load(file, environment: _ => null);

            Assert.Equal(4100, options.Port);
            Assert.Equal(new NegotiatedDiscount("openai", null, 15m), Assert.Single(options.Pricing.NegotiatedDiscounts));
            Assert.Equal(new VolumeDiscountTier(1000m, 5m), Assert.Single(options.Pricing.VolumeDiscounts));
            Assert.False(options.Routing!.AllowSubstitution);
            Assert.Equal(1, options.Fallback!.MaxAttemptsPerCandidate);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static decimal Cost(HttpResponseMessage response) =>
        decimal.Parse(response.Headers.GetValues("x-tollgate-cost").Single(), CultureInfo.InvariantCulture);
}
