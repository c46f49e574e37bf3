using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Spend by one dimension: the rows (most expensive first, ties by key) always add up exactly to <see cref="Total"/> —
/// records without a value are the <see cref="CostReport.NoneKey"/> row, groups beyond the top N the <see cref="OtherKey"/> row.
/// </summary>
public sealed record Breakdown(LedgerMetrics Total, IReadOnlyList<BreakdownRow> Rows, string Currency = "USD")
{
    /// <summary>Key of the row that sums the groups beyond the top N.</summary>
    public const string OtherKey = "(other)";

    /// <summary>The total of the previous period of the same length, when the query asked to compare with it.</summary>
    public LedgerMetrics? PreviousTotal { get; init; }
}

/// <summary>
/// One row of a <see cref="Breakdown"/>, with the same group's sums in the previous period when compared (a group seen
/// only then has zero <see cref="Metrics"/>); the derived figures are in <see cref="UsageRatios"/>.
/// </summary>
public sealed record BreakdownRow(string Key, LedgerMetrics Metrics, LedgerMetrics? Previous = null);
