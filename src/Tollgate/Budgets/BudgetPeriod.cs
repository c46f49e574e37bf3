using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Tollgate.Budgets;

/// <summary>A budget's period: a calendar window, a rolling window of <see cref="Length"/> hours or days, or lifetime.</summary>
public sealed record BudgetPeriod(BudgetPeriodKind Kind, int Length = 1)
{
    public static BudgetPeriod Hourly { get; } = new(BudgetPeriodKind.Hourly);

    public static BudgetPeriod Daily { get; } = new(BudgetPeriodKind.Daily);

    public static BudgetPeriod Weekly { get; } = new(BudgetPeriodKind.Weekly);

    public static BudgetPeriod Monthly { get; } = new(BudgetPeriodKind.Monthly);

    public static BudgetPeriod Lifetime { get; } = new(BudgetPeriodKind.Lifetime);

    public static BudgetPeriod RollingDays(int days) => new(BudgetPeriodKind.RollingDays, days);

    public static BudgetPeriod RollingHours(int hours) => new(BudgetPeriodKind.RollingHours, hours);

    public bool IsRolling => Kind is BudgetPeriodKind.RollingDays or BudgetPeriodKind.RollingHours;

    public override string ToString() => Kind switch
    {
        BudgetPeriodKind.RollingDays => $"rolling:{Length}d",
        BudgetPeriodKind.RollingHours => $"rolling:{Length}h",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses hourly, daily, weekly, monthly, lifetime, rolling:7d or rolling:24h.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out BudgetPeriod? period, out string? error)
    {
        period = null;
        error = null;
        var t = text?.Trim().ToLowerInvariant();
        switch (t)
        {
            case "hourly": period = Hourly; return true;
            case "daily": period = Daily; return true;
            case "weekly": period = Weekly; return true;
            case "monthly": period = Monthly; return true;
            case "lifetime": period = Lifetime; return true;
        }

        if (t is not null && t.StartsWith("rolling:", StringComparison.Ordinal) && t.Length > "rolling:".Length + 1)
        {
            var unit = t[^1];
            var digits = t["rolling:".Length..^1];
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 366 && unit is 'd' or 'h')
            {
                period = unit == 'd' ? RollingDays(n) : RollingHours(n);
                return true;
            }
        }

        error = $"unknown period '{text}': use hourly, daily, weekly, monthly, lifetime, rolling:Nd (1-366) or rolling:Nh";
        return false;
    }
}
