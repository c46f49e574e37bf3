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
        var summed = new Usage { Requests = calls.Count };
        calls.ForEach(summed.Add);
        var accepted = 0;
        foreach (var engine in engines)
        {
            foreach (var provider in PriceCatalog.BuiltIn.Providers)
            {
                foreach (var model in provider.Models.Where(m => engine.PricesSumsExactly(provider.Id, m.Id, calls.Max(u => u.InputTokens), otherUnits: false)))
                {
                    // Each call at its own moment of the day; the sum at the day's start.
                    var each = calls.Select((u, i) => Money.ToNanos(engine.CalculateTotal(provider.Id, model.Id, u, Day.AddMinutes(i * 35)).TotalCost)).Sum();
                    var whole = engine.CalculateSumsTotal(provider.Id, model.Id, summed, Day);
                    Assert.True(whole.Priced && Money.ToNanos(whole.TotalCost) == each, $"{provider.Id}/{model.Id}: {whole.TotalCost} vs {Money.FromNanos(each)}");
                    accepted++;
                }
            }
        }

        // Tiered models (their calls stayed below the tiers) and models with prices for units the calls did not report are among them.
        Assert.True(accepted > 400, $"only {accepted} models accepted");
        Assert.True(engines[0].PricesSumsExactly("google", "gemini-2.5-pro", 150_000, otherUnits: false));
        Assert.True(engines[0].PricesSumsExactly("anthropic", "claude-sonnet-4-0", 150_000, otherUnits: false));
    }

    [Theory]
    [InlineData("google", "gemini-2.5-pro", 200_001, false)]       // a call reached the long-context tier
    [InlineData("deepseek", "deepseek-chat", 1_000, false)]        // a time-of-day price
    [InlineData("anthropic", "claude-sonnet-4-0", 1_000, true)]    // calls reported units the rollups do not sum, which it prices
    [InlineData("openai", "gpt-4o-2099-preview", 1_000, false)]    // not in the catalog
    public void PricesSumsExactly_PriceTheSumsCannotGive_IsFalse(string provider, string model, long largestInput, bool otherUnits) =>
        Assert.False(new CostEngine(PriceCatalog.BuiltIn).PricesSumsExactly(provider, model, largestInput, otherUnits));

    [Fact]
    public void PricesSumsExactly_OtherUnitsOnAModelPricingOnlyTheFive_IsTrue() =>
        Assert.True(new CostEngine(PriceCatalog.BuiltIn).PricesSumsExactly("openai", "gpt-4o", 1_000, otherUnits: true));

    [Fact]
    public void PricesSumsExactly_DiscountLeavingFractionsOfANano_IsFalse()
    {
        // gpt-4o-mini input at $0.15/M is 150 nano-dollars a token: 20 % off leaves 120, 15 % off 127.5.
        var twenty = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 20)] });
        var fifteen = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 15)] });

        Assert.True(twenty.PricesSumsExactly("openai", "gpt-4o-mini", 1_000, otherUnits: false));
        Assert.False(fifteen.PricesSumsExactly("openai", "gpt-4o-mini", 1_000, otherUnits: false));
    }
}
