namespace Tollgate.Budgets;

/// <summary>An all-or-nothing hold across several budget counters.</summary>
public sealed record HoldRequest(string ReservationId, IReadOnlyList<HoldLine> Lines, DateTimeOffset Now, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// When true, an expired hold counts as fully spent instead of being released. Leases use it: an instance
    /// that dies with unflushed local spending must not hand that budget back (never overshoot; the ledger
    /// recompute corrects the over-count).
    /// </summary>
    public bool ExpireAsSpent { get; init; }
}
