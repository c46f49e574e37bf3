using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

/// <summary>The allocation-free total used by bulk repricing is the breakdown's total, for every catalog model.</summary>
public sealed class CalculateTotalTests
{
    private static readonly DateTimeOffset At = new(2026, 10, 15, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Usages => ["plain", "cached", "long", "reasoning"];

    [Theory]
    [MemberData(nameof(Usages))]
    public void CalculateTotal_EveryBuiltInModel_EqualsTheBreakdownTotal(string kind)
    {
        var plain = new CostEngine(PriceCatalog.BuiltIn);
        var discounted = new CostEngine(PriceCatalog.BuiltIn, new PricingOptions { NegotiatedDiscounts = [new NegotiatedDiscount("openai", null, 12.5m)] });
        var usage = kind switch
        {
            "cached" => new Usage { InputTokens = 9_000, CacheReadTokens = 6_000, CacheWriteTokens = 1_000, OutputTokens = 700 },
            "long" => new Usage { InputTokens = 250_001, OutputTokens = 4_321 },
            "reasoning" => new Usage { InputTokens = 1_234, OutputTokens = 5_000, ReasoningTokens = 3_000 },
            _ => new Usage { InputTokens = 1_000, OutputTokens = 333 },
        };
        var compared = 0;
        foreach (var provider in PriceCatalog.BuiltIn.Providers)
        {
            foreach (var model in provider.Models)
            {
                foreach (var engine in new[] { plain, discounted })
                {
                    var full = engine.Calculate(provider.Id, model.Id, usage, At);
                    var total = engine.CalculateTotal(provider.Id, model.Id, usage, At);
                    Assert.True(full.Priced == total.Priced, $"{provider.Id}/{model.Id}: priced {full.Priced} vs {total.Priced}");
                    Assert.True(full.TotalCost == total.TotalCost && full.InputCost == total.InputCost && full.OutputCost == total.OutputCost,
                        $"{provider.Id}/{model.Id}: {full.TotalCost} ({full.InputCost} + {full.OutputCost}) vs {total.TotalCost} ({total.InputCost} + {total.OutputCost})");
                    compared += full.Priced ? 1 : 0;
                }
            }
        }

        Assert.True(compared > 500, $"only {compared} priced comparisons");
    }

    [Fact]
    public void CalculateTotal_UnknownModel_IsUnpriced()
    {
        var total = new CostEngine(PriceCatalog.BuiltIn).CalculateTotal("openai", "gpt-4o-2099-preview", new Usage { InputTokens = 10 }, At);

        Assert.False(total.Priced);
    }
}
