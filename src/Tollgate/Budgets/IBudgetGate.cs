namespace Tollgate.Budgets;

/// <summary>
/// The one entry point hosts (gateway, IChatClient middleware) use: hold a request's worst-case cost against
/// every budget that applies before the call, settle to the actual cost after.
/// </summary>
public interface IBudgetGate
{
    /// <summary>
    /// Holds <paramref name="worstCaseCost"/> (USD) atomically against every budget that applies to
    /// <paramref name="subject"/>. With a <paramref name="shape"/>, adaptive budgets may change the request
    /// so it fits (then <see cref="BudgetDecision.Adaptation"/> says how and the held amount is the adapted worst case).
    /// </summary>
    ValueTask<BudgetDecision> ReserveAsync(BudgetSubject subject, decimal worstCaseCost, string requestId, BudgetRequestShape? shape = null, CancellationToken cancellationToken = default);

    /// <summary>Commits <paramref name="actualCost"/> (USD; what the provider billed, possibly 0) and releases the rest of the hold.</summary>
    ValueTask<bool> SettleAsync(BudgetReservation reservation, decimal actualCost, CancellationToken cancellationToken = default);

    /// <summary>Every budget's current window: spent, held, remaining, when it resets.</summary>
    ValueTask<IReadOnlyList<BudgetStatus>> GetStatusAsync(CancellationToken cancellationToken = default);
}
