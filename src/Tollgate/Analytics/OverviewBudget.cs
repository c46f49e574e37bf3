using Tollgate.Budgets;
using Tollgate.Forecasting;

namespace Tollgate.Analytics;

/// <summary>A budget of a <see cref="SystemOverview"/>: its window's status and, with enough history, its run-out projection.</summary>
public sealed record OverviewBudget(BudgetStatus Status, BudgetRunOut? RunOut);
