namespace Tollgate.Ledger;

/// <summary>
/// One aggregated row a store hands to <see cref="LedgerReportBuilder"/>: the UTC hour it covers (unix seconds
/// of the hour start; 0 when the query needs no time bucket), the dimension value ('' or null for none) and sums.
/// </summary>
internal readonly record struct RollupRow(long HourStart, string? Key, LedgerMetrics Metrics);
