namespace Tollgate.Budgets;

/// <summary>Preset budget tiers for quick set-up.</summary>
public enum BudgetTier
{
    Low,
    Medium,
    High,
    Enterprise,
}
