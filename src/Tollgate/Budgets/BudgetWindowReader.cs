using Tollgate.Costing;

namespace Tollgate.Budgets;

/// <summary>Reads budgets' windows and counters from the store for the gate's general path, caching each budget's current window.</summary>
internal sealed class BudgetWindowReader(IBudgetStore store, BudgetGateOptions options)
{
    private readonly IBudgetStore _store = store;
    private readonly BudgetGateOptions _options = options;

    /// <summary>What a budget has spent and holds in a window, its past windows included.</summary>
    public async ValueTask<(long Spent, long Held)> SumAsync(string budgetId, BudgetWindow window, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var c = await _store.GetCounterAsync(budgetId, window.Key, now, cancellationToken);
        long spent = c.SpentNanos, held = c.HeldNanos;
        foreach (var key in window.PastKeys)
        {
            var p = await _store.GetCounterAsync(budgetId, key, now, cancellationToken);
            spent += p.SpentNanos;
            held += p.HeldNanos;
        }

        return (spent, held);
    }

    /// <summary>The budgets that apply to <paramref name="subject"/>, each with its current window read.</summary>
    public ValueTask<BudgetRuntime[]> ApplicableAsync(BudgetSnapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Hot path without an async state machine: every matching budget's window is cached and current.
        var runtimes = snapshot.Runtimes;
        var ticks = now.UtcTicks;
        var count = 0;
        foreach (var rt in runtimes)
        {
            if (rt.Budget.Scope.Matches(subject))
            {
                var w = Volatile.Read(ref rt.Window);
                if (w is null || ticks >= w.ValidUntilTicks || ticks < w.ValidFromTicks)
                {
                    return ApplicableSlowAsync(snapshot, subject, now, cancellationToken);
                }

                count++;
            }
        }

        if (count == runtimes.Length)
        {
            return ValueTask.FromResult(runtimes);
        }

        var result = new BudgetRuntime[count];
        var n = 0;
        foreach (var rt in runtimes)
        {
            if (rt.Budget.Scope.Matches(subject))
            {
                result[n++] = rt;
            }
        }

        return ValueTask.FromResult(result);
    }

    private async ValueTask<BudgetRuntime[]> ApplicableSlowAsync(BudgetSnapshot snapshot, BudgetSubject subject, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = new List<BudgetRuntime>();
        foreach (var rt in snapshot.Runtimes)
        {
            if (rt.Budget.Scope.Matches(subject))
            {
                await WindowAsync(rt, now, cancellationToken);
                result.Add(rt);
            }
        }

        return [.. result];
    }

    /// <summary>A budget's current window and its limit (rollover included), cached on the budget until the window ends.</summary>
    public async ValueTask<WindowState> WindowAsync(BudgetRuntime rt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cached = Volatile.Read(ref rt.Window);
        var ticks = now.UtcTicks;
        if (cached is not null && ticks < cached.ValidUntilTicks && ticks >= cached.ValidFromTicks)
        {
            return cached;
        }

        var budget = rt.Budget;
        var window = BudgetWindows.Current(budget, now);
        var limit = Money.ToNanos(budget.Limit);
        long rolled = 0;
        var validUntil = window.End?.UtcTicks ?? long.MaxValue;
        // Rollover credits only a window the budget existed in: a budget created today inherits nothing from yesterday.
        if (budget.Rollover && BudgetWindows.Previous(budget, window) is { } previous && !(budget.CreatedAt is { } created && previous.End <= created))
        {
            var prev = await _store.GetCounterAsync(budget.Id, previous.Key, now, cancellationToken);
            var cap = Money.ToNanos(budget.MaxRollover ?? budget.Limit);
            rolled = Math.Clamp(limit - prev.SpentNanos - prev.HeldNanos, 0, cap);

            // Late settles of the previous window change what is left over: re-read now and then.
            validUntil = Math.Min(validUntil, ticks + _options.StateRefresh.Ticks);
        }

        var state = new WindowState(window, limit + rolled, rolled, window.Start?.UtcTicks ?? long.MinValue, validUntil);
        Volatile.Write(ref rt.Window, state);
        return state;
    }
}
