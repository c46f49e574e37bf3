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

        var groups = new Dictionary<string, (long Requests, long Actual, long WhatIf)>(StringComparer.Ordinal);
        (long Requests, long Actual, long WhatIf) estimated = default;
        long requests = 0, unpriced = 0, unpricedInScenario = 0, unpricedInScenarioActual = 0, notReproduced = 0, notReproducedDelta = 0;
        var error = await new LedgerAnalytics(ledger).ForEachRecordAsync(new BreakdownQuery { Filter = query.Filter, By = query.By }, (key, record) =>
        {
            if (record.Unpriced || !string.Equals(record.Currency, "USD", StringComparison.Ordinal))
            {
                unpriced++;
                return;
            }

            var provider = query.ProviderMap.GetValueOrDefault(record.Provider) ?? record.Provider;
            var model = query.ModelMap.GetValueOrDefault(record.Model) ?? record.Model;
            var whatIf = scenario.Calculate(provider, model, record.Usage, record.Timestamp);
            if (!whatIf.Priced)
            {
                unpricedInScenario++;
                unpricedInScenarioActual += record.TotalCostNanos;
                return;
            }

            var now = current.Calculate(record.Provider, record.Model, record.Usage, record.Timestamp);
            if (!now.Priced || Money.ToNanos(now.TotalCost) != record.TotalCostNanos)
            {
                notReproduced++;
                notReproducedDelta += record.TotalCostNanos - (now.Priced ? Money.ToNanos(now.TotalCost) : 0);
            }

            var whatIfNanos = Money.ToNanos(whatIf.TotalCost);
            if (record.Estimated)
            {
                estimated = (estimated.Requests + 1, estimated.Actual + record.TotalCostNanos, estimated.WhatIf + whatIfNanos);
                return;
            }

            requests++;
            var sum = groups.GetValueOrDefault(key);
            groups[key] = (sum.Requests + 1, sum.Actual + record.TotalCostNanos, sum.WhatIf + whatIfNanos);
        }, cancellationToken);
        if (error is not null)
        {
            return AnalyticsOutcome<WhatIfResult>.Fail(error);
        }

        var rows = groups.Select(g => new WhatIfGroup(g.Key, g.Value.Requests, g.Value.Actual, g.Value.WhatIf))
            .OrderByDescending(g => g.ActualNanos).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        return AnalyticsOutcome<WhatIfResult>.Ok(new WhatIfResult(rows.Sum(g => g.ActualNanos), rows.Sum(g => g.WhatIfNanos), rows)
        {
            Requests = requests,
            Estimated = new WhatIfGroup("(estimated)", estimated.Requests, estimated.Actual, estimated.WhatIf),
            Unpriced = unpriced,
            UnpricedInScenario = unpricedInScenario,
            UnpricedInScenarioActualNanos = unpricedInScenarioActual,
            NotReproduced = notReproduced,
            NotReproducedDeltaNanos = notReproducedDelta,
        });
    }
}
