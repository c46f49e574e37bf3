namespace Tollgate.Ledger;

/// <summary>
/// The cost report served by <c>tollgate cost --json</c> and the gateway's admin report:
/// <c>{"total", "currency", "groups": [{"key", "cost", "requests", "input_tokens", "output_tokens", "cached_tokens",
/// "reasoning_tokens", "share_percent", "success_rate", "avg_cost_per_request", "cost_per_1k_tokens", "output_input_ratio",
/// "cache_read_share", "reasoning_share"}]}</c>.
/// Serialize it with <see cref="CostReportJson"/>.
/// </summary>
public sealed record CostReport(decimal Total, string Currency, IReadOnlyList<CostReportGroup> Groups)
{
    /// <summary>Key used for records that have no value for the grouped dimension.</summary>
    public const string NoneKey = "(none)";

    /// <summary>The total of the previous period of the same length, when compared with it.</summary>
    public decimal? PreviousTotal { get; init; }

    /// <summary>Change of the total from <see cref="PreviousTotal"/> in percent; null when not compared or the previous total is zero.</summary>
    public decimal? ChangePercent { get; init; }

    /// <summary>
    /// Builds the report shape from a ledger report: the group key is the bucket label when the query has a
    /// time bucket, otherwise the dimension value.
    /// </summary>
    public static CostReport From(LedgerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var groups = report.Groups.Select(g => CostReportGroup.Of(
            g.BucketLabel is { } label ? (g.Key is { } k ? $"{label} {k}" : label) : g.Key ?? NoneKey, g.Metrics, report.Total)).ToList();
        return new CostReport(report.Total.Cost, report.Currency, groups);
    }

    /// <summary>Builds the report shape from a breakdown (its rows, the folded "other" row included).</summary>
    public static CostReport From(Analytics.Breakdown breakdown)
    {
        ArgumentNullException.ThrowIfNull(breakdown);
        return new CostReport(breakdown.Total.Cost, breakdown.Currency,
            breakdown.Rows.Select(r => CostReportGroup.Of(r.Key, r.Metrics, breakdown.Total, r.Previous)).ToList())
        {
            PreviousTotal = breakdown.PreviousTotal?.Cost,
            ChangePercent = breakdown.PreviousTotal is { } p ? Analytics.UsageRatios.CostChangePercent(breakdown.Total, p) : null,
        };
    }
}

/// <summary>One group of a <see cref="CostReport"/>, with the figures derived as <see cref="Analytics.UsageRatios"/> defines them.</summary>
public sealed record CostReportGroup(string Key, decimal Cost, long Requests, long InputTokens, long OutputTokens)
{
    public long CachedTokens { get; init; }

    public long ReasoningTokens { get; init; }

    /// <summary>Share of the report's total cost, in percent (two decimals).</summary>
    public decimal SharePercent { get; init; }

    /// <summary>Successful requests over requests (0–1, four decimals).</summary>
    public decimal SuccessRate { get; init; }

    public decimal AverageCostPerRequest { get; init; }

    public decimal CostPer1kTokens { get; init; }

    /// <summary>Output tokens per input token (token efficiency, four decimals).</summary>
    public decimal OutputInputRatio { get; init; }

    /// <summary>Input tokens read from a cache over all input tokens (0–1, four decimals).</summary>
    public decimal CacheReadShare { get; init; }

    /// <summary>Reasoning tokens' share of the output tokens (0–1, four decimals).</summary>
    public decimal ReasoningShare { get; init; }

    /// <summary>The group's cost in the previous period, when compared with it.</summary>
    public decimal? PreviousCost { get; init; }

    /// <summary>Change of cost from <see cref="PreviousCost"/> in percent; null when not compared or the previous cost is zero.</summary>
    public decimal? ChangePercent { get; init; }

    public static CostReportGroup Of(string key, LedgerMetrics m, LedgerMetrics total, LedgerMetrics? previous = null) =>
        new(key, m.Cost, m.Requests, m.InputTokens, m.OutputTokens)
        {
            CachedTokens = m.CacheReadTokens,
            ReasoningTokens = m.ReasoningTokens,
            SharePercent = Analytics.UsageRatios.SharePercent(m, total),
            SuccessRate = Analytics.UsageRatios.SuccessRate(m),
            AverageCostPerRequest = Analytics.UsageRatios.AverageCostPerRequest(m),
            CostPer1kTokens = Analytics.UsageRatios.CostPer1kTokens(m),
            OutputInputRatio = Analytics.UsageRatios.OutputInputRatio(m),
            CacheReadShare = Analytics.UsageRatios.CacheReadShare(m),
            ReasoningShare = Analytics.UsageRatios.ReasoningShare(m),
            PreviousCost = previous?.Cost,
            ChangePercent = previous is { } p ? Analytics.UsageRatios.CostChangePercent(m, p) : null,
        };
}
