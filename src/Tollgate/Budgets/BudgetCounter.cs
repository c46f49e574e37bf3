namespace Tollgate.Budgets;

/// <summary>A counter's committed spend and its live (unexpired) holds, in nano-units of the budget's currency.</summary>
public readonly record struct BudgetCounter(long SpentNanos, long HeldNanos);
