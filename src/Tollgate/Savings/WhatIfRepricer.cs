using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Savings;

/// <summary>
/// Reprices the ledger's own usage: each record at the time it was made, with <c>scenario</c> (another price list,
/// other discounts) on the model and provider the query maps it to, beside what it cost. <c>current</c> (the prices in
/// force) checks that a record's recorded cost is reproduced.
/// </summary>
public sealed class WhatIfRepricer(ICostCalculator current, ICostCalculator scenario)
{
    public async ValueTask<AnalyticsOutcome<WhatIfResult>> RunAsync(ILedgerStore ledger, WhatIfQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Filter.From > query.Filter.To)
        {
            return AnalyticsOutcome<WhatIfResult>.Fail("from is after to: swap them");
        }

        var (parts, error) = await new LedgerAnalytics(ledger).FoldRecordsAsync(new BreakdownQuery { Filter = query.Filter, By = query.By },
            () => new Tally(), (tally, key, record) => tally.Add(key, record, query, current, scenario), cancellationToken);
        if (error is not null)
        {
            return AnalyticsOutcome<WhatIfResult>.Fail(error);
        }

        var sum = new Tally();
        foreach (var part in parts)
        {
            sum.Add(part);
        }

        var groups = sum.Groups;
        var rows = groups.Select(g => new WhatIfGroup(g.Key, g.Value.Requests, g.Value.Actual, g.Value.WhatIf))
            .OrderByDescending(g => g.ActualNanos).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        return AnalyticsOutcome<WhatIfResult>.Ok(new WhatIfResult(rows.Sum(g => g.ActualNanos), rows.Sum(g => g.WhatIfNanos), rows)
        {
            Requests = sum.Requests,
            Estimated = new WhatIfGroup("(estimated)", sum.Estimated.Requests, sum.Estimated.Actual, sum.Estimated.WhatIf),
            Unpriced = sum.Unpriced,
            UnpricedInScenario = sum.UnpricedInScenario,
            UnpricedInScenarioActualNanos = sum.UnpricedInScenarioActual,
            NotReproduced = sum.NotReproduced,
            NotReproducedDeltaNanos = sum.NotReproducedDelta,
        });
    }

    /// <summary>The repricing of one slice of the range (slices are scanned at the same time, then added up).</summary>
    private sealed class Tally
    {
        public Dictionary<string, (long Requests, long Actual, long WhatIf)> Groups { get; } = new(StringComparer.Ordinal);

        public (long Requests, long Actual, long WhatIf) Estimated;
        public long Requests, Unpriced, UnpricedInScenario, UnpricedInScenarioActual, NotReproduced, NotReproducedDelta;

        public void Add(string key, UsageRecord record, WhatIfQuery query, ICostCalculator current, ICostCalculator scenario)
        {
            if (record.Unpriced || !string.Equals(record.Currency, "USD", StringComparison.Ordinal))
            {
                Unpriced++;
                return;
            }

            var provider = query.ProviderMap.GetValueOrDefault(record.Provider) ?? record.Provider;
            var model = query.ModelMap.GetValueOrDefault(record.Model) ?? record.Model;
            var whatIf = scenario.CalculateTotal(provider, model, record.Usage, record.Timestamp);
            if (!whatIf.Priced)
            {
                UnpricedInScenario++;
                UnpricedInScenarioActual += record.TotalCostNanos;
                return;
            }

            var now = current.CalculateTotal(record.Provider, record.Model, record.Usage, record.Timestamp);
            if (!now.Priced || Money.ToNanos(now.TotalCost) != record.TotalCostNanos)
            {
                NotReproduced++;
                NotReproducedDelta += record.TotalCostNanos - (now.Priced ? Money.ToNanos(now.TotalCost) : 0);
            }

            var whatIfNanos = Money.ToNanos(whatIf.TotalCost);
            if (record.Estimated)
            {
                Estimated = (Estimated.Requests + 1, Estimated.Actual + record.TotalCostNanos, Estimated.WhatIf + whatIfNanos);
                return;
            }

            Requests++;
            Add(key, (1, record.TotalCostNanos, whatIfNanos));
        }

        public void Add(Tally other)
        {
            foreach (var (key, value) in other.Groups)
            {
                Add(key, value);
            }

            Estimated = (Estimated.Requests + other.Estimated.Requests, Estimated.Actual + other.Estimated.Actual, Estimated.WhatIf + other.Estimated.WhatIf);
            Requests += other.Requests;
            Unpriced += other.Unpriced;
            UnpricedInScenario += other.UnpricedInScenario;
            UnpricedInScenarioActual += other.UnpricedInScenarioActual;
            NotReproduced += other.NotReproduced;
            NotReproducedDelta += other.NotReproducedDelta;
        }

        private void Add(string key, (long Requests, long Actual, long WhatIf) value)
        {
            ref var sum = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Groups, key, out _);
            sum = (sum.Requests + value.Requests, sum.Actual + value.Actual, sum.WhatIf + value.WhatIf);
        }
    }
}
