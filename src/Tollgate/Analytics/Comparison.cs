using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Providers, models (or any dimension or tag) side by side over one filter: the rows (most expensive first, the
/// groups beyond the top N folded into <see cref="Breakdown.OtherKey"/>) add up exactly to <see cref="Total"/>.
/// <see cref="CacheSavings"/> is null when no price list was given to reprice the records.
/// </summary>
public sealed record Comparison(LedgerMetrics Total, IReadOnlyList<ComparisonRow> Rows, CacheSavings? CacheSavings, string Currency = "USD")
{
    /// <summary>Why something is left out (a comparison read from the rollups); null when every figure is there.</summary>
    public string? Note { get; init; }
}

/// <summary>
/// One group of a <see cref="Comparison"/>: its sums, latency percentiles of its successful calls (nearest rank, in
/// milliseconds; null without any), cache savings and the efficiency score (see docs/analytics.md); the ratios are in
/// <see cref="UsageRatios"/>.
/// </summary>
public sealed record ComparisonRow(
    string Key,
    LedgerMetrics Metrics,
    long? LatencyP50Ms,
    long? LatencyP95Ms,
    CacheSavings? CacheSavings,
    decimal EfficiencyScore);
