namespace Tollgate.Budgets;

/// <summary>
/// One budget's part of a hold: <see cref="AmountNanos"/> is held on counter (<see cref="BudgetId"/>,
/// <see cref="WindowKey"/>) only if spent + held (+ the <see cref="PastWindowKeys"/>' spent + held) + amount
/// ≤ <see cref="LimitNanos"/>. A line with <see cref="Enforced"/> = false (warn, soft budgets) is always
/// held (so status shows it) and only reported when it goes over.
/// </summary>
public sealed record HoldLine(string BudgetId, string WindowKey, long LimitNanos, long AmountNanos)
{
    /// <summary>False for warn/soft budgets: never refused, reported in <see cref="HoldOutcome.OverLimitLines"/>.</summary>
    public bool Enforced { get; init; } = true;

    /// <summary>Earlier buckets a rolling window also counts.</summary>
    public IReadOnlyList<string> PastWindowKeys { get; init; } = [];
}
