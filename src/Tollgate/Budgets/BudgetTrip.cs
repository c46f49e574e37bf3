namespace Tollgate.Budgets;

/// <summary>The budget that refused a request, with the numbers a caller needs to understand why (amounts in <see cref="Currency"/>).</summary>
public sealed record BudgetTrip
{
    public required string BudgetId { get; init; }

    public required string BudgetName { get; init; }

    public required string Currency { get; init; }

    /// <summary>The window's limit including any rolled-over amount.</summary>
    public required decimal Limit { get; init; }

    public required decimal Spent { get; init; }

    public required decimal Held { get; init; }

    /// <summary>What the request needed (its worst case, or the per-request limit's subject).</summary>
    public required decimal Needed { get; init; }

    public required string WindowKey { get; init; }

    /// <summary>When the next window starts; null for lifetime budgets.</summary>
    public DateTimeOffset? ResetsAt { get; init; }

    /// <summary>Whose spend the budget counts (its scope), so a door can tell a caller's own budget from a shared one.</summary>
    public BudgetScope? Scope { get; init; }

    public decimal Remaining => Math.Max(0m, Limit - Spent - Held);
}
