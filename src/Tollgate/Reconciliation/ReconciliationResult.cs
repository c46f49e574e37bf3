namespace Tollgate.Reconciliation;

/// <summary>What the provider billed beside what the ledger recorded, over the days the usage export covers.</summary>
public sealed record ReconciliationResult
{
    public required string Provider { get; init; }

    /// <summary>First and last UTC day compared (null when the export covers no day).</summary>
    public DateOnly? FirstDay { get; init; }

    public DateOnly? LastDay { get; init; }

    /// <summary>Share of the provider's usage the ledger recorded, 0–1 (docs/reconciliation.md gives the formula).</summary>
    public required decimal CaptureRate { get; init; }

    public required long ProviderNanos { get; init; }

    public required long LedgerNanos { get; init; }

    /// <summary><c>cost_report</c> when a cost export was given, else <c>usage_at_list_prices</c> (the usage priced by the catalog).</summary>
    public required string ProviderUsdSource { get; init; }

    public required IReadOnlyList<ReconciliationDifference> Differences { get; init; }

    /// <summary>Day × model cells compared.</summary>
    public int Cells { get; init; }
}
