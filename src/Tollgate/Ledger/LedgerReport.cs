namespace Tollgate.Ledger;

/// <summary>The answer to a <see cref="LedgerQuery"/>: totals over the filter, and the groups asked for.</summary>
public sealed record LedgerReport(LedgerMetrics Total, IReadOnlyList<LedgerGroup> Groups, string Currency = "USD");
