using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// A trend: one point per bucket of the range (empty buckets included, as zeros), the total (equal to the sum of the
/// points' metrics) and a Mann–Kendall test of whether the series rises or falls beyond noise, with Sen's slope.
/// </summary>
public sealed record Trend(
    IReadOnlyList<TrendPoint> Points,
    LedgerMetrics Total,
    TrendDirection Direction,
    decimal SlopePerBucket,
    double MannKendallZ,
    double PValue,
    bool Significant);

/// <summary>One bucket of a <see cref="Trend"/>: its value, the change from the previous bucket and the trailing moving average.</summary>
public sealed record TrendPoint(
    string Label,
    DateTimeOffset Start,
    LedgerMetrics Metrics,
    decimal Value,
    decimal? Change,
    decimal? ChangePercent,
    decimal? MovingAverage);

/// <summary>Direction of a trend: up or down only when the Mann–Kendall test is significant (p &lt; 0.05).</summary>
public enum TrendDirection
{
    Flat,
    Up,
    Down,
}
