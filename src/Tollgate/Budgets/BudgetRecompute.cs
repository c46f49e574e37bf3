using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Budgets;

/// <summary>
/// Rebuilds budget counters from the ledger (the source of truth): sums the cost of every record the budget's
/// scope matches inside its current window (for rolling windows: each bucket) and <em>sets</em> the counter's
/// spend to it. Holds are kept. Use after a crash of leased instances, a Redis flush, or a repricing.
/// </summary>
public static class BudgetRecompute
{
    /// <summary>Recomputes <paramref name="budget"/>'s current window; returns the spend set (in the budget's currency).</summary>
    public static async Task<decimal> RecomputeAsync(Budget budget, ILedgerStore ledger, IBudgetStore store, DateTimeOffset now, IExchangeRateSource? rates = null, CancellationToken cancellationToken = default)
    {
        rates ??= FixedExchangeRates.UsdOnly;
        if (!rates.TryGetRate(budget.Currency, out var unitsPerUsd))
        {
            throw new InvalidOperationException($"budget '{budget.Id}' is in {budget.Currency}, which has no exchange rate configured");
        }

        var window = BudgetWindows.Current(budget, now);
        var buckets = new List<(string Key, DateTimeOffset? From, DateTimeOffset? To)>();
        if (budget.Period.IsRolling)
        {
            var step = budget.Period.Kind == BudgetPeriodKind.RollingDays ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
            var keys = new List<string> { window.Key };
            keys.AddRange(window.PastKeys);
            for (var i = 0; i < keys.Count; i++)
            {
                // Bucket i ends where bucket i-1 starts; compute each from its own window to respect DST.
                var at = window.End!.Value - (step * i) - TimeSpan.FromTicks(1);
                var w = BudgetWindows.Current(budget with { Period = budget.Period.Kind == BudgetPeriodKind.RollingDays ? BudgetPeriod.Daily : BudgetPeriod.Hourly, TimeZone = budget.Period.Kind == BudgetPeriodKind.RollingDays ? budget.TimeZone : "UTC" }, at);
                buckets.Add((keys[i], w.Start, w.End));
            }
        }
        else
        {
            buckets.Add((window.Key, window.Start, window.End));
        }

        long total = 0;
        foreach (var (key, from, to) in buckets)
        {
            var filter = budget.Scope.ToLedgerFilter(from, to);
            long nanos = 0;
            await foreach (var record in ledger.ReadAsync(filter, cancellationToken))
            {
                if (!string.Equals(record.Currency, "USD", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"ledger record {record.RequestId} is in {record.Currency}; only USD records are converted");
                }

                nanos += unitsPerUsd == 1m ? record.TotalCostNanos : Money.ToNanosCeiling(Money.FromNanos(record.TotalCostNanos) * unitsPerUsd);
            }

            await store.SetSpentAsync(budget.Id, key, nanos, cancellationToken);
            total += nanos;
        }

        return Money.FromNanos(total);
    }
}
