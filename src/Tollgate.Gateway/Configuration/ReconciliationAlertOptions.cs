namespace Tollgate.Gateway.Configuration;

/// <summary>The <c>reconciliation</c> section: when <c>POST /admin/reconcile</c> raises a <c>reconciliation</c> alert.</summary>
public sealed class ReconciliationAlertOptions
{
    /// <summary>Alert when a reconciliation's capture rate is below this (0–1); null: never.</summary>
    public decimal? MinCaptureRate { get; set; }
}
