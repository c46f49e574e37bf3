using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>A time series of cost (or requests or tokens) per bucket in a zone, with change, moving average and trend test.</summary>
public sealed record TrendQuery
{
    public LedgerFilter Filter { get; init; } = LedgerFilter.All;

    public TimeBucket Bucket { get; init; } = TimeBucket.Day;

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Only records carrying every one of these tags (read from the raw records).</summary>
    public IReadOnlyList<TagFilter> Tags { get; init; } = [];

    public DayOfWeek WeekStart { get; init; } = DayOfWeek.Monday;

    public TrendMetric Metric { get; init; } = TrendMetric.Cost;

    /// <summary>Points in the trailing moving average (the point itself included).</summary>
    public int MovingAverageWindow { get; init; } = 7;
}

/// <summary>The value a trend follows.</summary>
public enum TrendMetric
{
    Cost,
    Requests,
    Tokens,
}
