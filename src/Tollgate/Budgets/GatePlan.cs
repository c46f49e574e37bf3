namespace Tollgate.Budgets;

/// <summary>What holding a subject on its budgets takes: the budgets, their windows and the hold plan, valid between two instants.</summary>
internal sealed class GatePlan(ulong mask, BudgetRuntime[] applicable, WindowState[] windows, BudgetHoldPlan hold, long validFromTicks, long validUntilTicks, bool fast)
{
    public readonly ulong Mask = mask;
    public readonly BudgetRuntime[] Applicable = applicable;
    public readonly WindowState[] Windows = windows;
    public readonly BudgetHoldPlan Hold = hold;
    public readonly long ValidFromTicks = validFromTicks;
    public readonly long ValidUntilTicks = validUntilTicks;
    public readonly bool Fast = fast;
}
