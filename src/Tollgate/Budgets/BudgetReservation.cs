namespace Tollgate.Budgets;

/// <summary>
/// A hold placed by <see cref="IBudgetGate.ReserveAsync"/>; pass it to <see cref="IBudgetGate.SettleAsync"/>
/// once the call ends (also when it failed or was cancelled: settle to what the provider billed, possibly 0).
/// </summary>
public sealed class BudgetReservation
{
    internal BudgetReservation(string id, string requestId, HoldLine[] lines, decimal[] unitsPerUsd, decimal worstCase, DateTimeOffset expiresAt)
    {
        Id = id;
        RequestId = requestId;
        Lines = lines;
        UnitsPerUsd = unitsPerUsd;
        WorstCase = worstCase;
        ExpiresAt = expiresAt;
    }

    public string Id { get; }

    public string RequestId { get; }

    /// <summary>One line per budget that applied (empty when none did).</summary>
    public IReadOnlyList<HoldLine> Lines { get; }

    /// <summary>The worst-case cost held, in USD.</summary>
    public decimal WorstCase { get; }

    /// <summary>When the hold lapses if never settled.</summary>
    public DateTimeOffset ExpiresAt { get; }

    internal decimal[] UnitsPerUsd { get; }
}
