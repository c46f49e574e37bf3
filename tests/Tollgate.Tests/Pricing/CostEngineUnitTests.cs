using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

/// <summary>Hand-computed figures for every kind of unit, containment and the fast path.</summary>
public sealed class CostEngineUnitTests
{
    private static readonly DateTimeOffset Now = TestCatalog.At("2026-11-22T10:00:00Z");
    private readonly CostEngine _engine = new(TestCatalog.Catalog);

    [Fact]
    public void Calculate_TextWithCacheTtlSearchesRequests_HandComputed()
    {
        // input 10000 = 5000 uncached + 3000 cache read + 2000 cache write (500 of them 1h).
        var usage = new Usage { InputTokens = 10_000, CacheReadTokens = 3_000, CacheWriteTokens = 2_000, OutputTokens = 1_000 };
        usage.Set(UsageUnit.CacheWrite1hTokens, 500);
        usage.Set(UsageUnit.WebSearches, 2);

        var cost = _engine.Calculate("acme", "text", usage, Now);

        Assert.True(cost.Priced);
        AssertUnit(cost, UsageUnit.InputTokens, 5_000, 0.01m);          // 5000 × 2 / 1e6
        AssertUnit(cost, UsageUnit.CacheReadTokens, 3_000, 0.0006m);    // 3000 × 0.2 / 1e6
        AssertUnit(cost, UsageUnit.CacheWriteTokens, 1_500, 0.00375m);  // 1500 × 2.5 / 1e6
        AssertUnit(cost, UsageUnit.CacheWrite1hTokens, 500, 0.002m);    // 500 × 4 / 1e6
        AssertUnit(cost, UsageUnit.OutputTokens, 1_000, 0.008m);        // 1000 × 8 / 1e6
        AssertUnit(cost, UsageUnit.WebSearches, 2, 0.02m);              // 2 × 10 / 1000
        AssertUnit(cost, UsageUnit.Requests, 1, 0.005m);                // one request × 5 / 1000
        Assert.Equal(0.01635m, cost.InputCost);
        Assert.Equal(0.008m, cost.OutputCost);
        Assert.Equal(0.04935m, cost.TotalCost);                          // searches and requests only in the total
        Assert.Equal("builtin", PriceCatalog.BuiltIn.Source);
        Assert.Equal("test", cost.PriceSource);
        Assert.Equal("text", cost.ModelId);
        Assert.Equal("acme", cost.ProviderId);
    }

    [Fact]
    public void Calculate_AudioAndCacheLattice_JoinCarvedFromBoth()
    {
        var usage = new Usage { InputTokens = 1_000, CacheReadTokens = 200, OutputTokens = 500 };
        usage.Set(UsageUnit.InputAudioTokens, 300);
        usage.Set(UsageUnit.CacheAudioReadTokens, 50);
        usage.Set(UsageUnit.OutputAudioTokens, 100);

        var cost = _engine.Calculate("acme", "multimodal", usage, Now);

        AssertUnit(cost, UsageUnit.CacheAudioReadTokens, 50, 0.0001m);
        AssertUnit(cost, UsageUnit.CacheReadTokens, 150, 0.000075m);
        AssertUnit(cost, UsageUnit.InputAudioTokens, 250, 0.0025m);
        AssertUnit(cost, UsageUnit.InputTokens, 550, 0.00055m);
        AssertUnit(cost, UsageUnit.OutputAudioTokens, 100, 0.002m);
        AssertUnit(cost, UsageUnit.OutputTokens, 400, 0.0016m);
        Assert.Equal(0.003225m, cost.InputCost);
        Assert.Equal(0.0036m, cost.OutputCost);
        Assert.Equal(0.006825m, cost.TotalCost);
    }

    [Fact]
    public void Calculate_ReasoningAndCitations_CarvedOutOfOutput()
    {
        var usage = new Usage { InputTokens = 100, OutputTokens = 1_000, ReasoningTokens = 400 };
        usage.Set(UsageUnit.OutputCitationTokens, 100);

        var cost = _engine.Calculate("acme", "reasoning", usage, Now);

        AssertUnit(cost, UsageUnit.OutputTokens, 500, 0.001m);          // 500 × 2
        AssertUnit(cost, UsageUnit.OutputReasoningTokens, 400, 0.0012m); // 400 × 3
        AssertUnit(cost, UsageUnit.OutputCitationTokens, 100, 0.0001m);  // 100 × 1
        Assert.Equal(0.0001m, cost.InputCost);
        Assert.Equal(0.0023m, cost.OutputCost);
    }

    [Fact]
    public void Calculate_Durations_PerHourWithUndirectedRemainder()
    {
        var usage = new Usage();
        usage.Set(UsageUnit.AudioSeconds, 100);
        usage.Set(UsageUnit.InputAudioSeconds, 60);
        usage.Set(UsageUnit.OutputAudioSeconds, 30);

        var cost = _engine.Calculate("acme", "durations", usage, Now);

        AssertUnit(cost, UsageUnit.InputAudioSeconds, 60, 0.012m);   // 60 × 0.72 / 3600
        AssertUnit(cost, UsageUnit.OutputAudioSeconds, 30, 0.009m);  // 30 × 1.08 / 3600
        AssertUnit(cost, UsageUnit.AudioSeconds, 10, 0.001m);        // (100 − 60 − 30) × 0.36 / 3600
        Assert.Equal(0.012m, cost.InputCost);
        Assert.Equal(0.009m, cost.OutputCost);
        Assert.Equal(0.022m, cost.TotalCost);
    }

    [Fact]
    public void Calculate_CharactersPagesPixelsMessagesToolCalls_HandComputed()
    {
        var usage = new Usage();
        usage.Set(UsageUnit.InputCharacters, 500_000);
        usage.Set(UsageUnit.InputDocumentPages, 10);
        usage.Set(UsageUnit.InputAnnotatedDocumentPages, 4);
        usage.Set(UsageUnit.RerankSearches, 3);
        usage.Set(UsageUnit.InputPixels, 2_000_000_000);
        usage.Set(UsageUnit.InputTextMessages, 100);
        usage.Set(UsageUnit.CodeExecutions, 2);
        usage.Set(UsageUnit.StorageSearches, 5);
        usage.Set(UsageUnit.SocialSearches, 1);

        var cost = _engine.Calculate("acme", "documents", usage, Now);

        AssertUnit(cost, UsageUnit.InputCharacters, 500_000, 1m);
        AssertUnit(cost, UsageUnit.InputDocumentPages, 6, 0.06m);
        AssertUnit(cost, UsageUnit.InputAnnotatedDocumentPages, 4, 0.12m);
        AssertUnit(cost, UsageUnit.RerankSearches, 3, 0.006m);
        AssertUnit(cost, UsageUnit.InputPixels, 2_000_000_000, 10m);
        AssertUnit(cost, UsageUnit.InputTextMessages, 100, 0.1m);
        AssertUnit(cost, UsageUnit.CodeExecutions, 2, 0.006m);
        AssertUnit(cost, UsageUnit.StorageSearches, 5, 0.02m);
        AssertUnit(cost, UsageUnit.SocialSearches, 1, 0.006m);
        Assert.Equal(11.28m, cost.InputCost);
        Assert.Equal(0m, cost.OutputCost);
        Assert.Equal(11.318m, cost.TotalCost);
    }

    [Fact]
    public void Calculate_ImageVideoTextModalities_HandComputed()
    {
        var usage = new Usage { InputTokens = 10_000, OutputTokens = 3_000 };
        usage.Set(UsageUnit.InputImageTokens, 2_000);
        usage.Set(UsageUnit.InputVideoTokens, 3_000);
        usage.Set(UsageUnit.InputTextTokens, 4_000);
        usage.Set(UsageUnit.OutputImageTokens, 1_000);
        usage.Set(UsageUnit.OutputVideoTokens, 500);
        usage.Set(UsageUnit.OutputTextTokens, 1_000);

        var cost = _engine.Calculate("acme", "images-video", usage, Now);

        AssertUnit(cost, UsageUnit.InputTokens, 1_000, 0.001m);
        AssertUnit(cost, UsageUnit.InputImageTokens, 2_000, 0.006m);
        AssertUnit(cost, UsageUnit.InputVideoTokens, 3_000, 0.015m);
        AssertUnit(cost, UsageUnit.InputTextTokens, 4_000, 0.006m);
        AssertUnit(cost, UsageUnit.OutputTokens, 500, 0.001m);
        AssertUnit(cost, UsageUnit.OutputImageTokens, 1_000, 0.04m);
        AssertUnit(cost, UsageUnit.OutputVideoTokens, 500, 0.025m);
        AssertUnit(cost, UsageUnit.OutputTextTokens, 1_000, 0.0025m);
        Assert.Equal(0.028m, cost.InputCost);
        Assert.Equal(0.0685m, cost.OutputCost);
    }

    [Theory]
    [InlineData(999, 0, 1, 10)]      // below the first tier
    [InlineData(1_000, 0, 1, 10)]    // start is not strictly below 1000: still base
    [InlineData(1_001, 0, 2, 20)]    // 1000 < 1001: first tier for the whole count
    [InlineData(5_000, 0, 2, 20)]
    [InlineData(5_001, 0, 3, 30)]    // tiers given out of order in the catalog still pick the highest
    public void Calculate_Tiers_CliffByTotalInput(long input, long cacheRead, decimal inputRate, decimal outputRate)
    {
        var usage = new Usage { InputTokens = input, CacheReadTokens = cacheRead, OutputTokens = 1_000 };

        var cost = _engine.Calculate("acme", "tiered", usage, Now);

        Assert.Equal(input * inputRate / 1_000_000m, cost.InputCost);
        Assert.Equal(1_000 * outputRate / 1_000_000m, cost.OutputCost);
    }

    [Fact]
    public void Calculate_TierWithCachedInput_TotalInputIncludesCacheAndTierAppliesToCache()
    {
        // 1001 input tokens of which 900 cached: only 101 uncached, but the TOTAL (1001) crosses the 1000 tier.
        var usage = new Usage { InputTokens = 1_001, CacheReadTokens = 900, OutputTokens = 10 };

        var cost = _engine.Calculate("acme", "tiered", usage, Now);

        AssertUnit(cost, UsageUnit.InputTokens, 101, 0.000202m);   // 101 × 2
        AssertUnit(cost, UsageUnit.CacheReadTokens, 900, 0.00018m); // 900 × 0.2 (cache tier too)
        Assert.Equal(0.000382m, cost.InputCost);
        Assert.Equal(0.0002m, cost.OutputCost);                      // 10 × 20 (output tier too)
        Assert.Equal(2m, cost.Units.Single(u => u.Unit == UsageUnit.InputTokens).Rate);
    }

    [Theory]
    [InlineData("2026-02-28T23:59:59Z", 1)]
    [InlineData("2026-03-01T00:00:00Z", 2)]
    [InlineData("2026-05-31T23:59:59Z", 2)]
    [InlineData("2026-06-01T00:00:00Z", 3)]
    [InlineData("2030-01-01T00:00:00Z", 3)]
    public void Calculate_PriceHistory_PriceInForceAtTimestamp(string at, decimal rate)
    {
        var usage = new Usage { InputTokens = 1_000_000 };

        Assert.Equal(rate, _engine.Calculate("acme", "history", usage, TestCatalog.At(at)).InputCost);
    }

    [Theory]
    [InlineData("2026-01-01T00:00:00Z", 7)] // no entry active: entry 0 applies
    [InlineData("2026-03-02T00:00:00Z", 7)]
    [InlineData("2026-07-01T00:00:00Z", 8)]
    public void Calculate_PriceHistoryNoneActive_FirstEntry(string at, decimal rate) =>
        Assert.Equal(rate, _engine.Calculate("acme", "history-no-base", new Usage { InputTokens = 1_000_000 }, TestCatalog.At(at)).InputCost);

    [Fact]
    public void Calculate_DateConstraint_UsesUtcDayOfTimestamp() =>
        // 01:00 on March 1st at +02:00 is still February 28th in UTC: the older price applies.
        Assert.Equal(1m, _engine.Calculate("acme", "history", new Usage { InputTokens = 1_000_000 }, TestCatalog.At("2026-03-01T01:00:00+02:00")).InputCost);

    [Theory]
    [InlineData("2026-11-22T00:29:59Z", 1)]
    [InlineData("2026-11-22T00:30:00Z", 2)]      // start inclusive
    [InlineData("2026-11-22T16:29:59.999Z", 2)]
    [InlineData("2026-11-22T16:30:00Z", 1)]      // end exclusive
    [InlineData("2026-11-22T18:00:00+02:00", 2)] // 16:00 UTC
    public void Calculate_TimeOfDay_UtcWindowStartInclusiveEndExclusive(string at, decimal rate) =>
        Assert.Equal(rate, _engine.Calculate("acme", "off-peak", new Usage { InputTokens = 1_000_000 }, TestCatalog.At(at)).InputCost);

    [Fact]
    public void Calculate_CacheReadAboveInput_UnpricedNotNegative()
    {
        var cost = _engine.Calculate("acme", "text", new Usage { InputTokens = 100, CacheReadTokens = 200 }, Now);

        Assert.False(cost.Priced);
        Assert.Contains("exceeds input_tokens", cost.UnpricedReason);
        Assert.Equal(0m, cost.TotalCost);
    }

    [Fact]
    public void Calculate_SpecificReportedWithoutItsTotal_Unpriced()
    {
        var usage = new Usage { CacheReadTokens = 5, OutputTokens = 10 };

        var cost = _engine.Calculate("acme", "text", usage, Now);

        Assert.False(cost.Priced);
        Assert.Contains("cache_read_tokens was reported but input_tokens", cost.UnpricedReason);
    }

    [Fact]
    public void Calculate_OverlapReportedButJoinMissing_Unpriced()
    {
        // Cached audio is both cache read and audio input: with both reported above 0 its own count is unknown.
        var usage = new Usage { InputTokens = 1_000, CacheReadTokens = 100, OutputTokens = 10 };
        usage.Set(UsageUnit.InputAudioTokens, 200);

        var cost = _engine.Calculate("acme", "multimodal", usage, Now);

        Assert.False(cost.Priced);
        Assert.Contains("overlap but cache_audio_read_tokens was not reported", cost.UnpricedReason);
        Assert.False(_engine.Resolve("acme", "multimodal").ComputeCost(usage, Now).Priced);

        usage.Set(UsageUnit.CacheAudioReadTokens, 0);
        Assert.True(_engine.Calculate("acme", "multimodal", usage, Now).Priced);
    }

    [Fact]
    public void Calculate_ZeroSpecificWithoutTotal_ReadsZero()
    {
        var usage = new Usage { CacheReadTokens = 0, OutputTokens = 10 };

        var cost = _engine.Calculate("acme", "text", usage, Now);

        Assert.True(cost.Priced);
        Assert.Equal(0.00008m, cost.OutputCost);
    }

    [Fact]
    public void Calculate_ReportedUnitWithoutPrice_NotSubtracted()
    {
        // "history" prices only input and output: the 300 cache reads are not carved out of input.
        var usage = new Usage { InputTokens = 1_000_000, CacheReadTokens = 300_000 };

        Assert.Equal(3m, _engine.Calculate("acme", "history", usage, Now).InputCost);
    }

    [Fact]
    public void Calculate_PriceSetMissingJoin_UnpricedWithReason()
    {
        var cost = _engine.Calculate("acme", "broken-join", new Usage { InputTokens = 10 }, Now);

        Assert.False(cost.Priced);
        Assert.Contains("cache_audio_read_mtok", cost.UnpricedReason);
    }

    [Fact]
    public void Calculate_UnknownModel_UnpricedWithHintsNeverZeroPriced()
    {
        var cost = _engine.Calculate("acme", "txet", new Usage { InputTokens = 10 }, Now);

        Assert.False(cost.Priced);
        Assert.Contains("closest known: text", cost.UnpricedReason);
        Assert.Null(cost.PriceSource);
    }

    [Fact]
    public void Calculate_UnknownProvider_Unpriced()
    {
        var cost = _engine.Calculate("nobody", "text", new Usage { InputTokens = 10 }, Now);

        Assert.False(cost.Priced);
        Assert.Contains("unknown provider 'nobody'", cost.UnpricedReason);
    }

    [Fact]
    public void ComputeCost_ResolvedOnce_SameFiguresAsCalculateAndNoAllocation()
    {
        var lookup = _engine.Resolve("acme", "text");
        var usage = new Usage { InputTokens = 10_000, CacheReadTokens = 3_000, CacheWriteTokens = 2_000, OutputTokens = 1_000 };
        usage.Set(UsageUnit.CacheWrite1hTokens, 500);
        usage.Set(UsageUnit.WebSearches, 2);
        var full = _engine.Calculate("acme", "text", usage, Now);

        var fast = lookup.ComputeCost(usage, Now);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            fast = lookup.ComputeCost(usage, Now);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(new CallCost(true, full.InputCost, full.OutputCost, full.TotalCost), fast);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(7L)]                      // 7 × 1 / 3600 has no finite decimal form: decimal path
    [InlineData(900_000_000_000_000L)]    // large counts leave the fixed-point range: decimal path
    public void ComputeCost_OutsideFixedPoint_SameAsBreakdown(long seconds)
    {
        var price = new ModelPrice(new Dictionary<UsageUnit, PriceRate> { [UsageUnit.AudioSeconds] = new PriceRate(1m, null, 3600) });
        var usage = new Usage();
        usage.Set(UsageUnit.AudioSeconds, seconds);

        Assert.True(price.TryComputeBreakdown(usage, out _, out var expected, out _));
        Assert.Equal(expected, price.ComputeCost(usage));
        Assert.Equal(seconds / 3600m, expected.TotalCost);
    }

    [Fact]
    public void ComputeCost_Unresolved_NotPriced() =>
        Assert.False(_engine.Resolve("acme", "nope").ComputeCost(new Usage { InputTokens = 1 }, Now).Priced);

    [Fact]
    public void Resolve_ContextWindowAndPricesForEstimators()
    {
        var lookup = new CostEngine(PriceCatalog.BuiltIn).Resolve("anthropic", "claude-2.1");

        Assert.True(lookup.Found);
        Assert.Equal("claude-2", lookup.Model!.Id);
        Assert.Equal(200_000, lookup.ContextWindow);
        Assert.Equal(8m, lookup.PriceAt(Now)![UsageUnit.InputTokens]!.RateFor(1));
    }

    private static void AssertUnit(CostBreakdown cost, UsageUnit unit, long count, decimal amount)
    {
        Assert.True(cost.Priced, cost.UnpricedReason);
        var line = cost.Units.SingleOrDefault(u => u.Unit == unit);
        Assert.True(line != default, $"no cost line for {unit}");
        Assert.Equal(count, line.Count);
        Assert.Equal(amount, line.Cost);
        Assert.Equal(amount, line.Rate * count / UsageUnitInfo.Of(unit).Per);
    }
}
