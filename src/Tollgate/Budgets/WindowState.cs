namespace Tollgate.Budgets;

/// <summary>A budget's current window with its limit (rolled-over amount included), valid between two instants.</summary>
internal sealed record WindowState(BudgetWindow Window, long LimitNanos, long RolledOverNanos, long ValidFromTicks, long ValidUntilTicks);
