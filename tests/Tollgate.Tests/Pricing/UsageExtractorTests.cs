using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

public sealed class UsageExtractorTests
{
    private static UsageExtraction Extract(string flavor, string body) =>
        UsageExtractor.Extract(TestCatalog.Catalog, "acme", flavor, JsonDocument.Parse(body).RootElement);

    [Fact]
    public void Extract_SameDestination_Added()
    {
        var result = Extract("default", """{"model": "text", "usage": {"in": 100, "cached": 40, "out": 7}}""");

        Assert.True(result.Success, result.Error);
        Assert.Equal("text", result.Model);
        Assert.Equal(140, result.Usage!.InputTokens);
        Assert.Equal(40, result.Usage.CacheReadTokens);
        Assert.Equal(7, result.Usage.OutputTokens);
    }

    [Fact]
    public void Extract_ArrayStep_FirstMatchingItem()
    {
        var result = Extract("default", """{"model": "m", "usage": {"in": 1, "out": 1, "details": [{"modality": "AUDIO", "n": 5}, {"modality": "TEXT", "n": 8}, {"modality": "TEXT", "n": 99}]}}""");

        Assert.Equal(8, result.Usage![UsageUnit.InputTextTokens]);
    }

    [Fact]
    public void Extract_ArrayStepNoMatchOrNotArray_OptionalSkipped()
    {
        Assert.False(Extract("default", """{"model": "m", "usage": {"in": 1, "out": 1, "details": [{"modality": "AUDIO", "n": 5}]}}""").Usage!.IsReported(UsageUnit.InputTextTokens));
        Assert.True(Extract("default", """{"model": "m", "usage": {"in": 1, "out": 1, "details": {"modality": "TEXT"}}}""").Success);
    }

    [Theory]
    [InlineData("""{"model": "m", "usage": {"out": 1}}""", "missing required value at `usage.in`")]
    [InlineData("""{"model": "m", "usage": {"in": null, "out": 1}}""", "missing required value at `usage.in`")]
    [InlineData("""{"model": "m", "usage": {"in": "12", "out": 1}}""", "is not a number")]
    [InlineData("""{"model": "m", "usage": {"in": 1, "cached": -1, "out": 1}}""", "negative")]
    [InlineData("""{"model": "m", "usage": {"in": 1, "cached": true, "out": 1}}""", "boolean")]
    [InlineData("""{"model": "m", "usage": {"in": 1.5, "out": 1}}""", "whole number")]
    [InlineData("""{"model": "m", "usage": {"in": 1e300, "out": 1}}""", "absurd")]
    [InlineData("""{"model": "m", "usage": {"in": 2000000000000000, "out": 1}}""", "absurd")]
    [InlineData("""{"model": "m"}""", "no usage object at `usage`")]
    [InlineData("""{"model": "m", "usage": [1, 2]}""", "no usage object at `usage`")]
    public void Extract_BadValues_FailWithReason(string body, string error)
    {
        var result = Extract("default", body);

        Assert.False(result.Success);
        Assert.Contains(error, result.Error);
    }

    [Theory]
    [InlineData("""{"model": "m", "usage": {"in": 3, "cached": null, "out": 1}}""")]
    [InlineData("""{"model": "m", "usage": {"in": 3, "cached": "lots", "out": 1}}""")]
    [InlineData("""{"model": "m", "usage": {"in": 3, "out": 1}}""")]
    public void Extract_OptionalMissingNullOrMistyped_Skipped(string body)
    {
        var result = Extract("default", body);

        Assert.True(result.Success, result.Error);
        Assert.Equal(3, result.Usage!.InputTokens);
        Assert.False(result.Usage.IsReported(UsageUnit.CacheReadTokens));
    }

    [Fact]
    public void Extract_IntegralDecimal_Accepted() =>
        Assert.Equal(12, Extract("default", """{"model": "m", "usage": {"in": 12.0, "out": 1}}""").Usage!.InputTokens);

    [Fact]
    public void Extract_AllOptionalSkipped_Fails()
    {
        var result = Extract("optional", """{"response": {"model": "m", "usage": {"c": 1}}}""");

        Assert.False(result.Success);
        Assert.Contains("no usage values", result.Error);
    }

    [Fact]
    public void Extract_ReportedZero_CountsAsReportedButNotListed()
    {
        var result = Extract("optional", """{"response": {"model": "m", "usage": {"a": 0}}}""");

        Assert.True(result.Success, result.Error);
        Assert.True(result.Usage!.IsReported(UsageUnit.InputTokens));
        Assert.Empty(result.Usage.NonZero());
    }

    [Fact]
    public void Extract_NestedRootAndModelPath()
    {
        var result = Extract("optional", """{"response": {"model": "deep", "usage": {"a": 5, "b": 6}}}""");

        Assert.Equal("deep", result.Model);
        Assert.Equal(5, result.Usage!.InputTokens);
        Assert.Equal(6, result.Usage.OutputTokens);
    }

    [Fact]
    public void Extract_NoModel_UsageStillExtracted()
    {
        var result = Extract("default", """{"usage": {"in": 1, "out": 2}}""");

        Assert.True(result.Success);
        Assert.Null(result.Model);
    }

    [Fact]
    public void Extract_UnknownFlavorOrProvider_Fails()
    {
        Assert.Contains("available: default, optional", Extract("chat", """{"usage": {}}""").Error);
        var unknown = UsageExtractor.Extract(TestCatalog.Catalog, "Acme", "default", JsonDocument.Parse("{}").RootElement);
        Assert.Contains("unknown provider 'Acme'", unknown.Error);
    }

    [Fact]
    public void Extract_BuiltInAnthropic_CacheTtlAndSearches()
    {
        var body = JsonDocument.Parse("""
            {"model": "claude-sonnet-4-5", "usage": {"input_tokens": 100, "cache_creation_input_tokens": 50, "cache_read_input_tokens": 25,
             "cache_creation": {"ephemeral_5m_input_tokens": 20, "ephemeral_1h_input_tokens": 30},
             "server_tool_use": {"web_search_requests": 2}, "output_tokens": 10}}
            """).RootElement;

        var result = UsageExtractor.Extract("anthropic", "default", body);

        Assert.Equal(175, result.Usage!.InputTokens);
        Assert.Equal(50, result.Usage.CacheWriteTokens);
        Assert.Equal(20, result.Usage[UsageUnit.CacheWrite5mTokens]);
        Assert.Equal(30, result.Usage[UsageUnit.CacheWrite1hTokens]);
        Assert.Equal(25, result.Usage.CacheReadTokens);
        Assert.Equal(2, result.Usage[UsageUnit.WebSearches]);

        // claude-sonnet-4-5: input 3, 5m write 3.75 (cache_write), 1h write 6, read 0.3, output 15 per Mtok; searches $10 / 1000.
        var cost = new CostEngine(PriceCatalog.BuiltIn).Calculate("anthropic", result.Model!, result.Usage, TestCatalog.At("2026-11-22T00:00:00Z"));
        Assert.True(cost.Priced, cost.UnpricedReason);
        Assert.Equal((100m * 3 + 20m * 3.75m + 30m * 6 + 25m * 0.3m) / 1_000_000m, cost.InputCost);
        Assert.Equal(0.02m + cost.InputCost + cost.OutputCost, cost.TotalCost);
    }
}
