namespace Tollgate.Budgets;

/// <summary>The budget definitions as loaded at <c>LoadedTicks</c>, grouped by the tenant they name.</summary>
internal sealed record BudgetSnapshot(IReadOnlyList<Budget> Source, BudgetRuntime[] Runtimes, long LoadedTicks, Dictionary<string, CandidateGroup> ByTenant, CandidateGroup NoTenant)
{
    public bool HasAdaptive { get; } = Runtimes.Any(r => r.Budget.Enforcement == BudgetEnforcement.Adaptive);
}
