namespace Tollgate.Ledger;

/// <summary>
/// The cost report served by <c>tollgate cost --json</c> and the gateway's admin report:
/// <c>{"total", "currency", "groups": [{"key", "cost", "requests", "input_tokens", "output_tokens"}]}</c>.
/// Serialize it with <see cref="CostReportJson"/>.
/// </summary>
public sealed record CostReport(decimal Total, string Currency, IReadOnlyList<CostReportGroup> Groups)
{
    /// <summary>Key used for records that have no value for the grouped dimension.</summary>
    public const string NoneKey = "(none)";

    /// <summary>
    /// Builds the report shape from a ledger report: the group key is the bucket label when the query has a
    /// time bucket, otherwise the dimension value.
    /// </summary>
    public static CostReport From(LedgerReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var groups = report.Groups.Select(g => new CostReportGroup(
            g.BucketLabel is { } label ? (g.Key is { } k ? $"{label} {k}" : label) : g.Key ?? NoneKey,
            g.Metrics.Cost, g.Metrics.Requests, g.Metrics.InputTokens, g.Metrics.OutputTokens)).ToList();
        return new CostReport(report.Total.Cost, report.Currency, groups);
    }
}

/// <summary>One group of a <see cref="CostReport"/>.</summary>
public sealed record CostReportGroup(string Key, decimal Cost, long Requests, long InputTokens, long OutputTokens);
