namespace Tollgate.Ledger;

/// <summary>Calendar bucket for time series, computed in the query's time zone.</summary>
public enum TimeBucket
{
    Hour,
    Day,

    /// <summary>ISO 8601 week (Monday first), labelled like <c>2026-W47</c>.</summary>
    Week,
    Month,
}
