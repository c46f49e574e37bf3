using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// When usage happens, in the query's zone: sums per (weekday, local hour of day) — all 168 cells, Monday first — per
/// hour of day, per weekday, weekday/weekend split and the peak hours. Every view adds up exactly to <see cref="Total"/>.
/// </summary>
public sealed record UsagePatterns(
    LedgerMetrics Total,
    IReadOnlyList<PatternCell> Cells,
    IReadOnlyList<LedgerMetrics> ByHourOfDay,
    IReadOnlyList<(DayOfWeek Day, LedgerMetrics Metrics)> ByWeekday,
    LedgerMetrics Weekdays,
    LedgerMetrics Weekend,
    IReadOnlyList<int> PeakHours);

/// <summary>One cell of the weekday × hour-of-day profile.</summary>
public sealed record PatternCell(DayOfWeek Day, int Hour, LedgerMetrics Metrics);

/// <summary>A pattern query: the filter and the zone whose local weekdays and hours are meant.</summary>
public sealed record PatternQuery
{
    public LedgerFilter Filter { get; init; } = LedgerFilter.All;

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Only records carrying every one of these tags (read from the raw records).</summary>
    public IReadOnlyList<TagFilter> Tags { get; init; } = [];

    /// <summary>How many peak hours (by cost) to name.</summary>
    public int Peaks { get; init; } = 3;
}
