using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Tests.Ledger;

public sealed class LedgerFormatTests
{
    private static UsageRecord Full()
    {
        var usage = new Usage { InputTokens = 1200, CacheReadTokens = 200, CacheWriteTokens = 100, OutputTokens = 300, ReasoningTokens = 50 };
        usage.Set(UsageUnit.WebSearches, 3);
        return new UsageRecord
        {
            RequestId = "req-1",
            Attempt = 2,
            Timestamp = new DateTimeOffset(2026, 11, 22, 10, 15, 0, TimeSpan.FromHours(2)).AddTicks(1234567),
            Provider = "anthropic",
            Model = "claude-sonnet-4",
            ApiFlavor = "messages",
            Tenant = "acme",
            Project = "search",
            User = "alice",
            KeyId = "key-9",
            SessionId = "s-1",
            Tags = new Dictionary<string, string> { ["feature"] = "summarize" },
            Usage = usage,
            InputCost = 0.0036m,
            OutputCost = 0.0045m,
            TotalCost = 0.0081m,
            PriceSource = "genai-prices",
            LatencyMs = 812,
            Success = false,
            ErrorClass = "timeout",
            Estimated = true,
            Unpriced = false,
        };
    }

    [Fact]
    public void Serialize_ThenTryParse_ReturnsTheSameRecord()
    {
        var record = Full();

        var line = LedgerJsonLines.Serialize(record);
        var ok = LedgerJsonLines.TryParse(line, out var parsed, out var error);

        Assert.True(ok, error);
        Assert.Equal(record, parsed);
        Assert.Contains("\"timestamp\":\"2026-11-22T08:15:00.123456Z\"", line, StringComparison.Ordinal);
        Assert.Contains("\"cost_usd\":\"0.0081\"", line, StringComparison.Ordinal);
        Assert.Contains("\"usage\":{\"web_searches\":3}", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"attempt":1,"timestamp":"2026-11-22T10:00:00Z","provider":"p","model":"m","cost_usd":"1"}""", "'request_id' is required")]
    [InlineData("""{"request_id":"a","timestamp":"2026-11-22T10:00:00Z","provider":"p","model":"m"}""", "'cost_usd' is required")]
    [InlineData("""{"request_id":"a","timestamp":"2026-11-22T10:00:00Z","provider":"p","model":"m","cost_usd":"-1"}""", "'cost_usd' must be a non-negative decimal")]
    [InlineData("""{"request_id":"a","timestamp":"2026-11-22T10:00:00Z","provider":"p","model":"m","cost_usd":"1","input_tokens":-5}""", "'input_tokens' must be a whole number")]
    [InlineData("""{"request_id":"a","timestamp":"2026-11-22T10:00:00Z","provider":"p","model":"m","cost_usd":"1","costs":"1"}""", "unknown field 'costs'")]
    [InlineData("""{"request_id":"a","timestamp":"2026-11-22T10:00:00Z","provider":"p","model":"m","cost_usd":"1","currency":"EUR"}""", "currency 'EUR' is not supported")]
    [InlineData("""[1,2]""", "a line must be a JSON object")]
    public void TryParse_BadLine_SaysWhatIsWrong(string line, string expected)
    {
        var ok = LedgerJsonLines.TryParse(line, out var record, out var error);

        Assert.False(ok);
        Assert.Null(record);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void CostReportGroupOf_Tokens_TokenEfficiencyRatiosByHand()
    {
        // 4000 input tokens of which 1000 read from a cache, 1000 output of which 250 reasoning.
        var metrics = new LedgerMetrics(2, 4000, 1000, 0, 1000, 250, 3_000_000_000, 1_000_000_000, 2_000_000_000, 0, 0, 0, 900);

        var group = CostReportGroup.Of("m", metrics, metrics);

        Assert.Equal((0.25m, 0.25m, 0.25m), (group.OutputInputRatio, group.CacheReadShare, group.ReasoningShare));
        Assert.Contains("\"output_input_ratio\":0.25,\"cache_read_share\":0.25,\"reasoning_share\":0.25",
            CostReportJson.Serialize(new CostReport(3m, "USD", [group])), StringComparison.Ordinal);
    }

    [Fact]
    public void CostReportJson_Serialize_UsesDecimalStringsAndTheDocumentedNames()
    {
        var report = new CostReport(1.500000001m, "USD", [new CostReportGroup("2026-11-22", 1.500000001m, 3, 1000, 20)]);

        var json = CostReportJson.Serialize(report);

        Assert.Equal("""{"total":"1.500000001","currency":"USD","groups":[{"key":"2026-11-22","cost":"1.500000001","requests":3,"input_tokens":1000,"output_tokens":20,"cached_tokens":0,"reasoning_tokens":0,"share_percent":0,"success_rate":0,"avg_cost_per_request":"0","cost_per_1k_tokens":"0","output_input_ratio":0,"cache_read_share":0,"reasoning_share":0}]}""", json);
        Assert.Equal(report.Total, CostReportJson.Parse(json).Total);
        Assert.Equal(report.Groups, CostReportJson.Parse(json).Groups);
    }
}
