namespace Tollgate.Budgets;

/// <summary>A loaded budget with its exchange rate and its current window, once read.</summary>
internal sealed class BudgetRuntime(Budget budget, decimal unitsPerUsd)
{
    public readonly Budget Budget = budget;
    public readonly decimal UnitsPerUsd = unitsPerUsd;
    public WindowState? Window;
}
