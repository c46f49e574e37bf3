using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

/// <summary>What-if reprices a model from summed usage only when that gives exactly the sum of the calls' costs.</summary>
public sealed class PricesSumsExactlyTests
{
    private static readonly DateTimeOffset Day = new(2026, 10, 15, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void PricesSumsExactly_EveryBuiltInModelItAccepts_PricesSummedUsageAsTheSumOfTheCalls()
    {
        var engines = new[]
        {
            new CostEngine(PriceCatalog.BuiltIn),
            new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 20)] }),
        };
        var random = new Random(3);
        var calls = Enumerable.Range(0, 40).Select(_ =>
        {
            var input = random.Next(1, 150_000);
            var output = random.Next(1, 9_000);
            return new Usage
            {
                InputTokens = input,
                CacheReadTokens = random.Next(0, input / 2),
                CacheWriteTokens = random.Next(0, input / 4),
                OutputTokens = output,
                ReasoningTokens = random.Next(0, output),
            };
        }).ToList();
        var summed = new Usage();
        calls.ForEach(summed.Add);
        var accepted = 0;
        foreach (var engine in engines)
        {
            foreach (var provider in PriceCatalog.BuiltIn.Providers)
            {
                foreach (var model in provider.Models.Where(m => engine.PricesSumsExactly(provider.Id, m.Id)))
                {
                    // Each call at its own moment of the day; the sum at the day's start.
                    var each = calls.Select((u, i) => Money.ToNanos(engine.CalculateTotal(provider.Id, model.Id, u, Day.AddMinutes(i * 35)).TotalCost)).Sum();
                    var whole = engine.CalculateTotal(provider.Id, model.Id, summed, Day);
                    Assert.True(whole.Priced && Money.ToNanos(whole.TotalCost) == each, $"{provider.Id}/{model.Id}: {whole.TotalCost} vs {Money.FromNanos(each)}");
                    accepted++;
                }
            }
        }

        Assert.True(accepted > 200, $"only {accepted} models accepted");
    }

    [Theory]
    [InlineData("google", "gemini-2.5-pro")]       // tiers by prompt size
    [InlineData("deepseek", "deepseek-chat")]      // a time-of-day price
    [InlineData("anthropic", "claude-sonnet-4-0")] // prices units the rollups do not sum (1 h cache writes, web searches)
    [InlineData("openai", "gpt-4o-2099-preview")]  // not in the catalog
    public void PricesSumsExactly_PriceTheSumsCannotGive_IsFalse(string provider, string model) =>
        Assert.False(new CostEngine(PriceCatalog.BuiltIn).PricesSumsExactly(provider, model));

    [Fact]
    public void PricesSumsExactly_DiscountLeavingFractionsOfANano_IsFalse()
    {
        // gpt-4o-mini input at $0.15/M is 150 nano-dollars a token: 20 % off leaves 120, 15 % off 127.5.
        var twenty = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 20)] });
        var fifteen = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 15)] });

        Assert.True(twenty.PricesSumsExactly("openai", "gpt-4o-mini"));
        Assert.False(fifteen.PricesSumsExactly("openai", "gpt-4o-mini"));
    }
}
