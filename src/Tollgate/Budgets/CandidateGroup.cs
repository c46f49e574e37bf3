using System.Collections.Concurrent;

namespace Tollgate.Budgets;

/// <summary>The budgets that can apply to subjects of one tenant, and the plans built for them, by match mask.</summary>
internal sealed class CandidateGroup(BudgetRuntime[] candidates)
{
    public readonly BudgetRuntime[] Candidates = candidates;
    public readonly ConcurrentDictionary<ulong, GatePlan> Plans = new();
    public GatePlan? Last;
}
