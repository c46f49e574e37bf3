namespace Tollgate.Budgets;

/// <summary>
/// What a reservation holds against, resolved once per (set of applicable budgets, window) and reused by
/// every request until a window ends: the lines without their amounts, the exchange rates, and the
/// in-process counter cells (current bucket, and for rolling windows the earlier buckets).
/// </summary>
internal sealed class BudgetHoldPlan(HoldLine[] templates, decimal[] rates, BudgetCounterCell[] counters, BudgetCounterCell[]?[]? past)
{
    public static readonly BudgetHoldPlan Empty = new([], [], [], null);

    /// <summary>One line per applicable budget, <see cref="HoldLine.AmountNanos"/> = 0.</summary>
    public readonly HoldLine[] Templates = templates;

    public readonly decimal[] Rates = rates;

    /// <summary>True when every rate is 1 (USD budgets): one nano amount serves every line.</summary>
    public readonly bool AllUsd = Array.TrueForAll(rates, r => r == 1m);

    public readonly BudgetCounterCell[] Counters = counters;

    public readonly BudgetCounterCell[]?[]? Past = past;

    /// <summary>Nano amount of <paramref name="usd"/> per line (null when <see cref="AllUsd"/>: then <paramref name="uniform"/>).</summary>
    public long[]? Amounts(decimal usd, out long uniform)
    {
        if (AllUsd)
        {
            uniform = Costing.Money.ToNanosCeiling(usd);
            return null;
        }

        uniform = 0;
        var amounts = new long[Rates.Length];
        for (var i = 0; i < amounts.Length; i++)
        {
            amounts[i] = Costing.Money.ToNanosCeiling(usd * Rates[i]);
        }

        return amounts;
    }

    public HoldLine[] Lines(LocalHold? hold)
    {
        if (Templates.Length == 0 || hold is null)
        {
            return [];
        }

        var lines = new HoldLine[Templates.Length];
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = Templates[i] with { AmountNanos = hold.Amount(i) };
        }

        return lines;
    }
}
