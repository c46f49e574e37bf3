using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Spend so far today and this month (local days and months in a zone), each beside the same point of the previous
/// period: yesterday up to the same time of day, last month up to the same elapsed time (at most its own length).
/// </summary>
public sealed record SpendSummary(SpendPeriod Today, SpendPeriod Month);

/// <summary>One period of a <see cref="SpendSummary"/>: its range and sums, and the previous period's up to the same point.</summary>
public sealed record SpendPeriod(DateTimeOffset From, DateTimeOffset To, LedgerMetrics Metrics, DateTimeOffset PreviousFrom, DateTimeOffset PreviousTo, LedgerMetrics Previous)
{
    /// <summary>Change of cost from the previous period in percent (two decimals); null when that was zero.</summary>
    public decimal? ChangePercent => UsageRatios.CostChangePercent(Metrics, Previous);
}
