using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

public sealed class OverrideAndDiscountTests
{
    private static readonly DateTimeOffset Now = TestCatalog.At("2026-11-22T10:00:00Z");

    private const string OpenAiOverride = """
        [{"id": "openai", "name": "OpenAI", "models": [
           {"id": "gpt-4o", "match": {"equals": "gpt-4o"}, "prices": {"input_mtok": 1, "output_mtok": 2}},
           {"id": "catch-all-4o", "match": {"starts_with": "gpt-4o-"}, "prices": {"input_mtok": 5}}
         ]},
         {"id": "inhouse", "name": "In-house", "models": [{"id": "llama-local", "match": {"equals": "llama-local"}, "prices": {"input_mtok": 0.01}}]}]
        """;

    [Fact]
    public void PricesAlike_OverrideAndDiscount_OnlyTheModelsTheyChange()
    {
        var current = new CostEngine(PriceCatalog.BuiltIn);
        var overridden = new CostEngine(PriceCatalog.BuiltIn.WithOverrides(PriceCatalog.Parse(OpenAiOverride, "override:mine.json")));
        var discounted = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("anthropic", null, 10)] });

        Assert.True(current.PricesAlike(new CostEngine(PriceCatalog.BuiltIn), "openai", "gpt-4o"));
        Assert.False(current.PricesAlike(overridden, "openai", "gpt-4o"));
        Assert.False(current.PricesAlike(overridden, "openai", "gpt-4o-mini"));   // caught by the override's starts_with rule
        Assert.True(current.PricesAlike(overridden, "openai", "gpt-4.1"));
        Assert.False(current.PricesAlike(overridden, "inhouse", "llama-local"));  // unpriced before, priced by the file
        Assert.False(current.PricesAlike(discounted, "anthropic", "claude-sonnet-4"));
        Assert.True(current.PricesAlike(discounted, "openai", "gpt-4o"));
    }

    [Fact]
    public void WithOverrides_OverrideModelWinsAndOthersStayBuiltIn()
    {
        var catalog = PriceCatalog.BuiltIn.WithOverrides(PriceCatalog.Parse(OpenAiOverride, "override:mine.json"));
        var engine = new CostEngine(catalog);
        var usage = new Usage { InputTokens = 1_000_000, OutputTokens = 1_000_000 };

        var overridden = engine.Calculate("openai", "gpt-4o", usage, Now);
        Assert.Equal(3m, overridden.TotalCost);
        Assert.Equal("override:mine.json", overridden.PriceSource);

        // The override's broad rule is tried before the built-in gpt-4o-mini: an override always wins.
        Assert.Equal("catch-all-4o", engine.Calculate("openai", "gpt-4o-mini", usage, Now).ModelId);

        var untouched = engine.Calculate("openai", "gpt-4.1", usage, Now);
        Assert.Equal("builtin", untouched.PriceSource);
        Assert.Equal(10m, untouched.TotalCost); // gpt-4.1: $2 in, $8 out

        var added = engine.Calculate("inhouse", "llama-local", usage, Now);
        Assert.Equal(0.01m, added.TotalCost);

        // Provider-level data (extractors) stays the built-in one's.
        Assert.Contains("chat", catalog.GetProvider("openai")!.ApiFlavors);
    }

    [Fact]
    public void FallbackPrice_UnknownModel_PricedAndMarkedFallback()
    {
        var options = new PricingOptions
        {
            FallbackPrices = [new FallbackPrice("acme", new Dictionary<string, decimal> { ["input_mtok"] = 1, ["output_mtok"] = 3 })],
        };
        var engine = new CostEngine(TestCatalog.Catalog, options);

        var cost = engine.Calculate("acme", "never-heard-of-it", new Usage { InputTokens = 2_000_000, OutputTokens = 1_000_000 }, Now);
        Assert.True(cost.Priced);
        Assert.Equal("fallback", cost.PriceSource);
        Assert.Equal(5m, cost.TotalCost);

        // Only for the configured provider; never a silent default for others.
        Assert.False(engine.Calculate("origin", "never-heard-of-it", new Usage { InputTokens = 1 }, Now).Priced);
    }

    [Fact]
    public void Calculate_DiscountsAndConversion_AppliedInDocumentedOrder()
    {
        var options = new PricingOptions
        {
            NegotiatedDiscounts = [new NegotiatedDiscount("acme", null, 10), new NegotiatedDiscount("acme", "text", 20)],
            BatchDiscounts = [new BatchDiscount("acme", 50)],
            VolumeDiscounts = [new VolumeDiscountTier(1_000, 5), new VolumeDiscountTier(10_000, 10)],
            ExchangeRates = [new ExchangeRate("EUR", 0.8m, TestCatalog.At("2026-01-01T00:00:00Z"))],
        };
        var engine = new CostEngine(TestCatalog.Catalog, options);
        var usage = new Usage { InputTokens = 1_000_000, OutputTokens = 1_000_000 }; // text: $2 + $8, + $0.005 per request

        var cost = engine.Calculate("acme", "text", usage, Now, new CostContext(Batch: true, PeriodSpend: 20_000, Currency: "EUR"));

        // 10.005 × 0.8 (model-specific negotiated) × 0.5 (batch) × 0.9 (volume ≥ 10000) × 0.8 (EUR).
        Assert.Equal(10.005m * 0.8m * 0.5m * 0.9m * 0.8m, cost.TotalCost);
        Assert.Equal(2m * 0.8m * 0.5m * 0.9m * 0.8m, cost.InputCost);
        Assert.Equal(8m * 0.8m * 0.5m * 0.9m * 0.8m, cost.OutputCost);
        Assert.Equal("EUR", cost.Currency);
        Assert.Equal(["negotiated", "batch", "volume", "exchange"], cost.Adjustments.Select(a => a.Kind));
        Assert.Equal(cost.TotalCost, cost.Units.Sum(u => u.Cost));

        // Provider-wide negotiated discount for other models, no batch, lower volume tier.
        var other = engine.Calculate("acme", "reasoning", new Usage { InputTokens = 1_000_000 }, Now, new CostContext(PeriodSpend: 1_000));
        Assert.Equal(1m * 0.9m * 0.95m, other.TotalCost);
        Assert.Equal("USD", other.Currency);
    }

    [Fact]
    public void Calculate_ExchangeRateInForceAtTimestamp()
    {
        var options = new PricingOptions
        {
            Currency = "JPY",
            ExchangeRates =
            [
                new ExchangeRate("JPY", 150m, TestCatalog.At("2026-01-01T00:00:00Z")),
                new ExchangeRate("JPY", 140m, TestCatalog.At("2026-06-01T00:00:00Z")),
            ],
        };
        var engine = new CostEngine(TestCatalog.Catalog, options);
        var usage = new Usage { InputTokens = 1_000_000 };

        Assert.Equal(150m, engine.Calculate("acme", "reasoning", usage, TestCatalog.At("2026-05-31T23:59:59Z")).TotalCost);
        Assert.Equal(140m, engine.Calculate("acme", "reasoning", usage, TestCatalog.At("2026-06-01T00:00:00Z")).TotalCost);
        var before = engine.Calculate("acme", "reasoning", usage, TestCatalog.At("2025-12-31T00:00:00Z"));
        Assert.False(before.Priced);
        Assert.Contains("no USD→JPY exchange rate", before.UnpricedReason);
    }

    [Fact]
    public void Validate_BadOptions_EachProblemNamed()
    {
        var options = new PricingOptions
        {
            Currency = "euro",
            ExchangeRates = [new ExchangeRate("EUR", 0, DateTimeOffset.UnixEpoch)],
            BatchDiscounts = [new BatchDiscount("openai", 100)],
            FallbackPrices = [new FallbackPrice("*", new Dictionary<string, decimal> { ["tokens"] = 1 })],
            RefreshInterval = TimeSpan.Zero,
            CatalogUrl = "ftp://prices.example/data.json",
        };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.Contains("Currency 'euro'"));
        Assert.Contains(errors, e => e.Contains("must be positive") && e.Contains("EUR"));
        Assert.Contains(errors, e => e.Contains("Percent 100"));
        Assert.Contains(errors, e => e.Contains("unknown price key 'tokens'"));
        Assert.Contains(errors, e => e.Contains("RefreshInterval"));
        Assert.Contains(errors, e => e.Contains("ftp://"));
        Assert.Throws<ArgumentException>(() => new CostEngine(TestCatalog.Catalog, options));
        Assert.Empty(new PricingOptions().Validate());
        Assert.True(new PricingOptionsValidator().Validate(null, options).Failed);
        Assert.True(new PricingOptionsValidator().Validate(null, new PricingOptions()).Succeeded);
    }
}
