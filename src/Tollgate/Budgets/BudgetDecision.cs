namespace Tollgate.Budgets;

/// <summary>
/// The answer to <see cref="IBudgetGate.ReserveAsync"/>: a refusal is a result, not an exception. When
/// <see cref="Allowed"/>, <see cref="Reservation"/> must be settled; when refused, <see cref="Trip"/> names the
/// budget and its numbers.
/// </summary>
public sealed record BudgetDecision
{
    public required bool Allowed { get; init; }

    public required BudgetStrategy Strategy { get; init; }

    /// <summary>One sentence a caller or an operator can read.</summary>
    public required string Reason { get; init; }

    public BudgetReservation? Reservation { get; init; }

    public BudgetTrip? Trip { get; init; }

    /// <summary>Set when adaptive enforcement or emergency mode changed the request.</summary>
    public BudgetAdaptation? Adaptation { get; init; }

    /// <summary>Soft/warn budgets this request goes over (allowed anyway).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>When refused by a throttle: how long to wait.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool EmergencyMode { get; init; }
}
