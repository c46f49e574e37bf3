namespace Tollgate.Budgets;

/// <summary>Emergency mode: on since <see cref="Since"/> because <see cref="BudgetId"/> passed its emergency threshold; only an operator ends it.</summary>
public sealed record EmergencyState(string BudgetId, DateTimeOffset Since, string Reason);
