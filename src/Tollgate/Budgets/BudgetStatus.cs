namespace Tollgate.Budgets;

/// <summary>Where a budget stands in its current window (amounts in the budget's currency).</summary>
public sealed record BudgetStatus
{
    public required Budget Budget { get; init; }

    public required BudgetWindow Window { get; init; }

    /// <summary>Limit plus any rolled-over amount.</summary>
    public required decimal EffectiveLimit { get; init; }

    public required decimal RolledOver { get; init; }

    public required decimal Spent { get; init; }

    public required decimal Held { get; init; }

    public decimal Remaining => Math.Max(0m, EffectiveLimit - Spent - Held);

    /// <summary>When the next window starts; null for lifetime.</summary>
    public DateTimeOffset? ResetsAt => Window.End;

    /// <summary>Days until the remaining amount is gone at the rate spent so far in this window; null when nothing was spent yet or there is no start.</summary>
    public decimal? DaysUntilExhausted { get; init; }

    public decimal UsedFraction => EffectiveLimit == 0 ? 0 : Spent / EffectiveLimit;

    public EmergencyState? Emergency { get; init; }
}
