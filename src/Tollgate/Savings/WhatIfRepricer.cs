using System.Runtime.InteropServices;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Savings;

/// <summary>
/// Reprices the ledger's own usage: each record at the time it was made, with <c>scenario</c> (another price list,
/// other discounts) on the model and provider the query maps it to, beside what it cost. <c>current</c> (the prices in
/// force) checks that a repriced record's recorded cost is reproduced. Records the scenario leaves alone (no map moves
/// them, no changed price or discount applies) cost what they cost: their sums come from the rollups and only the
/// repriced, estimated and unpriced records are read one by one.
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

        var changed = new HashSet<(string Provider, string Model)>();
        if (query.PricesChangedFor is { } changes)
        {
            foreach (var pair in await PairsAsync(ledger, query.Filter, cancellationToken))
            {
                if (changes(pair.Provider, pair.Model))
                {
                    changed.Add(pair);
                }
            }
        }

        bool Reprices(UsageRecord record) => query.RepricesEveryRecord || query.ModelMap.ContainsKey(record.Model)
            || query.ProviderMap.ContainsKey(record.Provider) || changed.Contains((record.Provider, record.Model));

        // The rollups group by a dimension, not by a tag: grouping by a tag reads every record.
        var subset = query.RepricesEveryRecord || query.By.TagKey is not null
            ? null
            : new LedgerScanSubset([.. query.ModelMap.Keys.Union(changed.Select(c => c.Model), StringComparer.Ordinal)], [.. query.ProviderMap.Keys]);
        var (parts, error) = await new LedgerAnalytics(ledger).FoldRecordsAsync(new BreakdownQuery { Filter = query.Filter, By = query.By }, subset,
            () => new Tally(subset is not null), (tally, key, record) => tally.Add(key, record, Reprices(record), query, current, scenario), cancellationToken);
        if (error is not null)
        {
            return AnalyticsOutcome<WhatIfResult>.Fail(error);
        }

        var sum = new Tally(subset is not null);
        foreach (var part in parts)
        {
            sum.Add(part);
        }

        if (subset is not null)
        {
            // Read after the scan, so a record landing meanwhile is counted as unchanged rather than twice.
            var report = await ledger.QueryAsync(new LedgerQuery { Filter = query.Filter, GroupBy = query.By.Dimension }, cancellationToken);
            sum.AddUnread(report);
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

    /// <summary>Every provider and model with records in the filter's range, from the rollups.</summary>
    private static async ValueTask<List<(string Provider, string Model)>> PairsAsync(ILedgerStore ledger, LedgerFilter filter, CancellationToken cancellationToken)
    {
        var pairs = new List<(string, string)>();
        var providers = await ledger.QueryAsync(new LedgerQuery { Filter = filter, GroupBy = LedgerDimension.Provider }, cancellationToken);
        foreach (var provider in providers.Groups.Select(g => g.Key).OfType<string>())
        {
            var models = await ledger.QueryAsync(new LedgerQuery { Filter = filter with { Provider = provider }, GroupBy = LedgerDimension.Model }, cancellationToken);
            pairs.AddRange(models.Groups.Select(g => g.Key).OfType<string>().Select(model => (provider, model)));
        }

        return pairs;
    }

    /// <summary>The repricing of one slice of the range (slices are scanned at the same time, then added up).</summary>
    private sealed class Tally(bool countRead)
    {
        public Dictionary<string, (long Requests, long Actual, long WhatIf)> Groups { get; } = new(StringComparer.Ordinal);

        /// <summary>Every record read, per group: what the rollups' sums hold beyond the records not read.</summary>
        private Dictionary<string, (long Requests, long Cost)> Read { get; } = new(StringComparer.Ordinal);

        public (long Requests, long Actual, long WhatIf) Estimated;
        public long Requests, Unpriced, UnpricedInScenario, UnpricedInScenarioActual, NotReproduced, NotReproducedDelta;

        public void Add(string key, UsageRecord record, bool reprices, WhatIfQuery query, ICostCalculator current, ICostCalculator scenario)
        {
            if (countRead)
            {
                ref var read = ref CollectionsMarshal.GetValueRefOrAddDefault(Read, key, out _);
                read = (read.Requests + 1, read.Cost + record.TotalCostNanos);
            }

            if (record.Unpriced || !string.Equals(record.Currency, "USD", StringComparison.Ordinal))
            {
                Unpriced++;
                return;
            }

            var whatIfNanos = record.TotalCostNanos;
            if (reprices)
            {
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

                whatIfNanos = Money.ToNanos(whatIf.TotalCost);
            }

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

            foreach (var (key, value) in other.Read)
            {
                ref var read = ref CollectionsMarshal.GetValueRefOrAddDefault(Read, key, out _);
                read = (read.Requests + value.Requests, read.Cost + value.Cost);
            }

            Estimated = (Estimated.Requests + other.Estimated.Requests, Estimated.Actual + other.Estimated.Actual, Estimated.WhatIf + other.Estimated.WhatIf);
            Requests += other.Requests;
            Unpriced += other.Unpriced;
            UnpricedInScenario += other.UnpricedInScenario;
            UnpricedInScenarioActual += other.UnpricedInScenarioActual;
            NotReproduced += other.NotReproduced;
            NotReproducedDelta += other.NotReproducedDelta;
        }

        /// <summary>
        /// The records the scan left out (priced, not estimated, moved by no map), per group: the rollups' sums less what
        /// was read. Each costs what it cost.
        /// </summary>
        public void AddUnread(LedgerReport report)
        {
            foreach (var group in report.Groups)
            {
                var key = string.IsNullOrEmpty(group.Key) ? CostReport.NoneKey : group.Key;
                var read = Read.GetValueOrDefault(key);
                var requests = group.Metrics.Requests - read.Requests;
                var cost = group.Metrics.CostNanos - read.Cost;
                if (requests != 0 || cost != 0)
                {
                    Requests += requests;
                    Add(key, (requests, cost, cost));
                }
            }
        }

        private void Add(string key, (long Requests, long Actual, long WhatIf) value)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(Groups, key, out _);
            sum = (sum.Requests + value.Requests, sum.Actual + value.Actual, sum.WhatIf + value.WhatIf);
        }
    }
}
