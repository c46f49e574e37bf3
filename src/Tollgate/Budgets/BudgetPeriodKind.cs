namespace Tollgate.Budgets;

/// <summary>How a budget's spending window is cut.</summary>
public enum BudgetPeriodKind
{
    Hourly,
    Daily,

    /// <summary>Weeks start on Monday 00:00 in the budget's time zone.</summary>
    Weekly,

    /// <summary>Months start on the 1st, 00:00 in the budget's time zone.</summary>
    Monthly,

    /// <summary>The last N hours, counted in whole UTC-hour buckets (the current one included).</summary>
    RollingHours,

    /// <summary>The last N days, counted in whole local-day buckets (today included).</summary>
    RollingDays,

    /// <summary>One window forever: totals are never wiped.</summary>
    Lifetime,
}
