namespace Tollgate.Budgets;

/// <summary>
/// Budget counters and holds. Every implementation passes the same conformance suite: holds are
/// all-or-nothing across lines, a line never goes over its limit under any concurrency, expired holds are
/// reclaimed before a refusal, and amounts are integer nano-units.
/// </summary>
public interface IBudgetStore
{
    /// <summary>Atomically holds every line, or none; reclaims expired holds of the counters involved first.</summary>
    ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits <paramref name="actualNanos"/>[i] to line i's counter and releases the hold. A hold that
    /// already expired still commits the spend (it was billed). Returns false when the reservation is unknown
    /// (already settled): nothing is changed then.
    /// </summary>
    ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Spent and live held amounts of one counter (0, 0 when it does not exist).</summary>
    ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Sets (never adds) a counter's committed spend, e.g. recomputed from the ledger. Holds are kept.</summary>
    ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default);

    /// <summary>Reclaims every expired hold; returns how many were reclaimed.</summary>
    ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>True exactly once per (budget, window, marker) across all instances sharing the store (alert de-duplication).</summary>
    ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default);

    ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default);

    /// <summary>Starts emergency mode unless it is already on; returns true when this call started it.</summary>
    ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default);

    /// <summary>Ends emergency mode (operator reset); returns false when it was not on.</summary>
    ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default);
}
