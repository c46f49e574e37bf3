namespace Tollgate.Ledger;

/// <summary>One row of a report: a dimension value and/or a time bucket, with its sums.</summary>
public sealed record LedgerGroup
{
    /// <summary>The dimension value (null when the query has no <see cref="LedgerQuery.GroupBy"/> or the record had none).</summary>
    public string? Key { get; init; }

    /// <summary>Start of the time bucket in the query's time zone (null without <see cref="LedgerQuery.Bucket"/>).</summary>
    public DateTimeOffset? BucketStart { get; init; }

    /// <summary>Bucket label: <c>2026-11-22</c>, <c>2026-W47</c>, <c>2026-11</c>, or <c>2026-11-22T13:00+01:00</c>.</summary>
    public string? BucketLabel { get; init; }

    public LedgerMetrics Metrics { get; init; }
}
