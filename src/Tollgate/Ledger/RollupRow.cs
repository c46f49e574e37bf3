namespace Tollgate.Ledger;

/// <summary>
/// One aggregated row a store hands to <see cref="LedgerReportBuilder"/>: an instant (unix seconds) inside the period the
/// row covers, which lies in one report bucket (0 when the query needs no time bucket), the dimension value ('' or null
/// for none) and sums.
/// </summary>
internal readonly record struct RollupRow(long Start, string? Key, LedgerMetrics Metrics);
