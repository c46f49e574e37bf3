using Tollgate.Budgets;

namespace Tollgate.Metering;

/// <summary>
/// The budget part of admission, the same for every door: hold the worst case on every budget that applies and,
/// when no price covers the model (no worst case), refuse the call if an enforced budget applies —
/// its cost could not be bounded — unless the host's policy allows unpriced calls. Nothing is held for an unpriced
/// call that goes ahead; it is recorded unpriced.
/// </summary>
public static class BudgetAdmission
{
    /// <summary>
    /// Reserves <paramref name="worstCase"/> (null: unpriced); a refusal is a decision (<see cref="BudgetStrategy.RefusedUnpriced"/>
    /// for an unpriced model under an enforced budget when <paramref name="refuseUnpriced"/>), never an exception. The door's own
    /// advice, <paramref name="howToFix"/>, ends an unpriced refusal (where to give the model a price).
    /// </summary>
    public static async ValueTask<BudgetDecision> ReserveAsync(
        IBudgetGate gate, BudgetSubject subject, decimal? worstCase, string requestId, BudgetRequestShape? shape, bool refuseUnpriced, string howToFix, CancellationToken cancellationToken)
    {
        var decision = await gate.ReserveAsync(subject, worstCase ?? 0m, requestId, worstCase is null ? null : shape, cancellationToken);
        if (worstCase is not null || !refuseUnpriced || !decision.Allowed || decision.Reservation is not { } reservation || !AnyEnforced(reservation.Lines))
        {
            return decision;
        }

        await gate.SettleAsync(reservation, 0m, CancellationToken.None);
        var budgets = string.Join(", ", reservation.Lines.Where(l => l.Enforced).Select(l => l.BudgetId));
        return new BudgetDecision
        {
            Allowed = false,
            Strategy = BudgetStrategy.RefusedUnpriced,
            Reason = $"Model '{subject.Model}' of provider '{subject.Provider}' has no price, so budget(s) {budgets} cannot bound what request {requestId} costs: {howToFix}",
        };
    }

    private static bool AnyEnforced(IReadOnlyList<HoldLine> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Enforced)
            {
                return true;
            }
        }

        return false;
    }
}
