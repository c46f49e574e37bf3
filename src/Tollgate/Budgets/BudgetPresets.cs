namespace Tollgate.Budgets;

/// <summary>
/// Starting points per tier: a monthly limit (USD), enforcement and a per-request cap. Explicit options
/// given with a preset override it.
/// </summary>
public static class BudgetPresets
{
    public static Budget Create(BudgetTier tier, string id, BudgetScope scope) => tier switch
    {
        BudgetTier.Low => new Budget { Id = id, Scope = scope, Limit = 10m, Period = BudgetPeriod.Monthly, Enforcement = BudgetEnforcement.Hard, PerRequestLimit = 0.05m },
        BudgetTier.Medium => new Budget { Id = id, Scope = scope, Limit = 100m, Period = BudgetPeriod.Monthly, Enforcement = BudgetEnforcement.Adaptive, PerRequestLimit = 0.50m },
        BudgetTier.High => new Budget { Id = id, Scope = scope, Limit = 1_000m, Period = BudgetPeriod.Monthly, Enforcement = BudgetEnforcement.Adaptive, PerRequestLimit = 5m, Rollover = true, MaxRollover = 250m },
        BudgetTier.Enterprise => new Budget { Id = id, Scope = scope, Limit = 10_000m, Period = BudgetPeriod.Monthly, Enforcement = BudgetEnforcement.Soft, EmergencyThreshold = 1.5m, Rollover = true, MaxRollover = 2_500m },
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };
}
