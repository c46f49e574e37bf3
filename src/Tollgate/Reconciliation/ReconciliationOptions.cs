namespace Tollgate.Reconciliation;

/// <summary>The tolerances of the cause rules (docs/reconciliation.md).</summary>
public sealed record ReconciliationOptions
{
    /// <summary>A cost difference at most this large (USD, per cell) with the same tokens is <c>rounding</c>.</summary>
    public decimal RoundingToleranceUsd { get; init; } = 0.01m;

    /// <summary>How far (absolute) each kind's ledger/provider ratio may be from the cell's overall ratio for <c>untracked_calls</c>.</summary>
    public decimal ProportionTolerance { get; init; } = 0.05m;

    /// <summary>How far (relative) a cell's provider/ledger cost ratio may be from the common ratio for <c>discount</c>.</summary>
    public decimal DiscountTolerance { get; init; } = 0.002m;

    /// <summary>How far (relative, beyond the rounding tolerance) a batch or Priority Tier cost share may be from its expected size.</summary>
    public decimal ShareTolerance { get; init; } = 0.02m;
}
