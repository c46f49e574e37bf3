using Tollgate.Reconciliation.Matching;

namespace Tollgate.Reconciliation;

/// <summary>One kind of one day × model that differs: counts for token kinds and requests, nano-USD for cost; delta = provider − ledger.</summary>
public sealed record ReconciliationDifference(DateOnly Day, string Model, ReconcileKind Kind, long Ledger, long Provider, string Cause)
{
    public long Delta => Provider - Ledger;
}
