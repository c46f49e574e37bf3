using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Figures derived from sums, defined once for the CLI, the admin API and in-process callers. Money ratios are
/// rounded half-to-even to whole nano-units, percentages and rates to two and four decimals; a ratio over zero is 0.
/// </summary>
public static class UsageRatios
{
    /// <summary>Cost as a percentage of <paramref name="total"/>, two decimals.</summary>
    public static decimal SharePercent(LedgerMetrics part, LedgerMetrics total) =>
        total.CostNanos == 0 ? 0 : Math.Round(part.CostNanos * 100m / total.CostNanos, 2, MidpointRounding.ToEven);

    /// <summary>Successful requests over requests, 0–1 with four decimals.</summary>
    public static decimal SuccessRate(LedgerMetrics m) =>
        m.Requests == 0 ? 0 : Math.Round((m.Requests - m.Errors) / (decimal)m.Requests, 4, MidpointRounding.ToEven);

    /// <summary>Average cost of one request.</summary>
    public static decimal AverageCostPerRequest(LedgerMetrics m) =>
        m.Requests == 0 ? 0 : Money.FromNanos((long)Math.Round(m.CostNanos / (decimal)m.Requests, MidpointRounding.ToEven));

    /// <summary>Cost of 1,000 tokens, input (cached included) and output (reasoning included) together.</summary>
    public static decimal CostPer1kTokens(LedgerMetrics m) =>
        m.InputTokens + m.OutputTokens == 0 ? 0
        : Money.FromNanos((long)Math.Round(m.CostNanos * 1000m / (m.InputTokens + m.OutputTokens), MidpointRounding.ToEven));

    /// <summary>Cost of 1,000 output tokens (reasoning included).</summary>
    public static decimal CostPer1kOutputTokens(LedgerMetrics m) =>
        m.OutputTokens == 0 ? 0 : Money.FromNanos((long)Math.Round(m.CostNanos * 1000m / m.OutputTokens, MidpointRounding.ToEven));

    /// <summary>Output tokens per input token, four decimals.</summary>
    public static decimal OutputInputRatio(LedgerMetrics m) =>
        m.InputTokens == 0 ? 0 : Math.Round(m.OutputTokens / (decimal)m.InputTokens, 4, MidpointRounding.ToEven);

    /// <summary>Reasoning tokens' share of the output tokens, 0–1 with four decimals.</summary>
    public static decimal ReasoningShare(LedgerMetrics m) =>
        m.OutputTokens == 0 ? 0 : Math.Round(m.ReasoningTokens / (decimal)m.OutputTokens, 4, MidpointRounding.ToEven);

    /// <summary>Input tokens read from a cache over all input tokens (the cache hit rate by tokens), 0–1 with four decimals.</summary>
    public static decimal CacheReadShare(LedgerMetrics m) =>
        m.InputTokens == 0 ? 0 : Math.Round(m.CacheReadTokens / (decimal)m.InputTokens, 4, MidpointRounding.ToEven);

    /// <summary>Change of cost from <paramref name="previous"/> in percent, two decimals; null when the previous cost is zero.</summary>
    public static decimal? CostChangePercent(LedgerMetrics current, LedgerMetrics previous) =>
        previous.CostNanos == 0 ? null
        : Math.Round((current.CostNanos - previous.CostNanos) * 100m / previous.CostNanos, 2, MidpointRounding.ToEven);
}
