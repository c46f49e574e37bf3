namespace Tollgate.Reconciliation.Reading;

/// <summary>Everything read from a provider's export files: usage rows, cost rows, and the UTC days their buckets cover.</summary>
public sealed record ProviderExport(IReadOnlyList<UsageRow> Usage, IReadOnlyList<CostRow> Costs, IReadOnlySet<DateOnly> UsageDays, IReadOnlySet<DateOnly> CostDays);
