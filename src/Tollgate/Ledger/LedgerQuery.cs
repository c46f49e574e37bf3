namespace Tollgate.Ledger;

/// <summary>
/// A report over the ledger: totals, optionally grouped by one dimension and/or a time bucket (in
/// <see cref="TimeZone"/>), optionally only the <see cref="Top"/> groups by cost.
/// </summary>
public sealed record LedgerQuery
{
    public LedgerFilter Filter { get; init; } = LedgerFilter.All;

    public LedgerDimension? GroupBy { get; init; }

    /// <summary>
    /// Groups by the value of this tag key instead of a dimension, over the records that carry it (answered from the
    /// tag rollups). Not with <see cref="GroupBy"/>, <see cref="Tag"/>, a project, user or key filter, or a session.
    /// </summary>
    public string? GroupByTag { get; init; }

    /// <summary>
    /// Only the records carrying this tag (answered from the tag rollups). Not with <see cref="GroupByTag"/>, a
    /// <see cref="GroupBy"/> other than provider, model, api flavour or tenant, a project, user or key filter, or a session.
    /// </summary>
    public LedgerTag? Tag { get; init; }

    public TimeBucket? Bucket { get; init; }

    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>First day of a <see cref="TimeBucket.Week"/> bucket (ISO 8601: Monday).</summary>
    public DayOfWeek WeekStart { get; init; } = DayOfWeek.Monday;

    /// <summary>Keep only the N most expensive groups (ties broken by key); null keeps all.</summary>
    public int? Top { get; init; }
}
