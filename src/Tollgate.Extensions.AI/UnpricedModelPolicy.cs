namespace Tollgate.Extensions.AI;

/// <summary>What the middleware does with a call to a model no price covers (not in the catalog, no override or fallback price).</summary>
public enum UnpricedModelPolicy
{
    /// <summary>
    /// Refuse the call (<see cref="TollgateBudgetExceededException"/>) when a hard or adaptive budget applies to it:
    /// with no price there is no worst case to hold, so the budget could not bound what the call costs. Calls no
    /// enforcing budget covers go through and are recorded as unpriced. The default.
    /// </summary>
    RefuseUnderEnforcedBudget,

    /// <summary>Always send the call: nothing is held and the ledger record is flagged unpriced (cost 0, not to be trusted).</summary>
    Allow,
}
