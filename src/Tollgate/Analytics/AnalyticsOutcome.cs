namespace Tollgate.Analytics;

/// <summary>The answer to an analytics query, or why the query cannot be answered (a caller's mistake, e.g. a tag key no record has).</summary>
public readonly record struct AnalyticsOutcome<T>(T? Value, string? Error)
    where T : class
{
    public static AnalyticsOutcome<T> Ok(T value) => new(value, null);

    public static AnalyticsOutcome<T> Fail(string error) => new(null, error);
}
