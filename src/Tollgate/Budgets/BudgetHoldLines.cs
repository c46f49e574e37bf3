using Tollgate.Costing;

namespace Tollgate.Budgets;

/// <summary>A hold's lines (one per budget that applies, in definition order) and the warnings for lines over a soft limit.</summary>
internal static class BudgetHoldLines
{
    public static void AddOverWarnings(BudgetRuntime[] applicable, ulong mask, List<string> warnings)
    {
        if (mask == 0)
        {
            return;
        }

        for (var i = 0; i < applicable.Length && i < 64; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                warnings.Add($"{applicable[i].Budget.Id}: over its {applicable[i].Budget.Enforcement.ToString().ToLowerInvariant()} limit");
            }
        }
    }

    public static (HoldLine[] Lines, decimal[] Rates) Build(BudgetRuntime[] applicable, decimal worstCaseUsd)
    {
        if (applicable.Length == 0)
        {
            return ([], []);
        }

        var lines = new HoldLine[applicable.Length];
        var rates = new decimal[applicable.Length];
        for (var i = 0; i < applicable.Length; i++)
        {
            var rt = applicable[i];
            var w = rt.Window!;
            rates[i] = rt.UnitsPerUsd;
            var amount = rt.UnitsPerUsd == 1m ? Money.ToNanosCeiling(worstCaseUsd) : Money.ToNanosCeiling(worstCaseUsd * rt.UnitsPerUsd);
            lines[i] = new HoldLine(rt.Budget.Id, w.Window.Key, w.LimitNanos, amount)
            {
                PastWindowKeys = w.Window.PastKeys,
                Enforced = rt.Budget.Enforces,
            };
        }

        return (lines, rates);
    }
}
