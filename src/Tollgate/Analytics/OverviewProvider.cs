using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Analytics;

/// <summary>
/// A provider of a <see cref="SystemOverview"/>: whether it is enabled, its spend this month (from the ledger) and, where the
/// caller routes calls itself (the gateway), its live health; null health means this process has no view of it (the CLI).
/// </summary>
public sealed record OverviewProvider(string Name, bool Enabled, LedgerMetrics Month, HealthSnapshot? Health);
