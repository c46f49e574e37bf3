using System.Runtime.InteropServices;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Savings;

/// <summary>
/// Reprices the ledger's own usage: each record at the time it was made, with <c>scenario</c> (another price list,
/// other discounts) on the model and provider the query maps it to, beside what it cost. <c>current</c> (the prices in
/// force) checks that the recorded costs are reproduced. Records the scenario leaves alone (no map moves them, no changed
/// price or discount applies) cost what they cost: their sums come from the rollups. Repriced models whose prices are flat
/// in both price lists for the range's calls (<see cref="ICostCalculator.PricesSumsExactly"/>, given the range's
/// <see cref="LedgerUsageOutlier"/>s) are repriced from the rollups' daily usage sums.
/// Only the other repriced records, and the estimated and unpriced ones, are read one by one.
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

        // The rollups group by a dimension, not by a tag: grouping by a tag reads every record.
        var byTag = query.By.TagKey is not null;
        var changed = new HashSet<(string Provider, string Model)>();
        var repriced = new List<(string Provider, string Model)>();
        var bySums = new HashSet<(string Provider, string Model)>();
        var pairs = new List<(string Provider, string Model)>();
        if (!byTag || query.PricesChangedFor is not null)
        {
            var outliers = byTag ? [] : (await ledger.UsageOutliersAsync(query.Filter, cancellationToken)).ToDictionary(o => (o.Provider, o.Model));
            pairs = await PairsAsync(ledger, query.Filter, cancellationToken);
            foreach (var pair in pairs)
            {
                if (query.PricesChangedFor is { } changes && changes(pair.Provider, pair.Model))
                {
                    changed.Add(pair);
                }

                if (!byTag && (query.RepricesEveryRecord || changed.Contains(pair) || query.ModelMap.ContainsKey(pair.Model) || query.ProviderMap.ContainsKey(pair.Provider)))
                {
                    repriced.Add(pair);
                    var (largest, otherUnits) = outliers.TryGetValue(pair, out var outlier)
                        ? (Math.Max(outlier.LargestInputTokens, LedgerUsageOutlier.LongInputTokens), outlier.OtherUnits)
                        : (LedgerUsageOutlier.LongInputTokens, false);
                    if (current.PricesSumsExactly(pair.Provider, pair.Model, largest, otherUnits)
                        && scenario.PricesSumsExactly(query.ProviderFor(pair.Provider), query.ModelFor(pair.Model), largest, otherUnits))
                    {
                        bySums.Add(pair);
                    }
                }
            }
        }

        bool Reprices(UsageRecord record) => query.RepricesEveryRecord || query.ModelMap.ContainsKey(record.Model)
            || query.ProviderMap.ContainsKey(record.Provider) || changed.Contains((record.Provider, record.Model));

        // First pass: the repriced records of the models not repriced from sums, and every estimated or unpriced record.
        var subset = byTag || (query.RepricesEveryRecord && bySums.Count == 0)
            ? null
            : new LedgerScanSubset([.. repriced.Where(p => !bySums.Contains(p)).Select(p => p.Model).Distinct(StringComparer.Ordinal)], []);
        var (sum, error) = await ScanAsync(ledger, query, subset, _ => true, Reprices, bySums, cancellationToken);
        if (error is not null)
        {
            return AnalyticsOutcome<WhatIfResult>.Fail(error);
        }

        // The models repriced from sums: each day's (and group's) sums less the records the first pass read.
        var readAgain = new HashSet<(string Provider, string Model)>();
        foreach (var pair in bySums)
        {
            var rows = new List<(string Key, LedgerMetrics Sums, long WhatIf, long Now)>();
            foreach (var (key, day, metrics) in await ModelDailySums.ReadAsync(ledger, query.Filter, query.By.Dimension, null, pair, cancellationToken))
            {
                var rest = metrics - sum.ReadOf(pair, day, key);
                if (rest == default)
                {
                    continue;
                }

                var usage = rest.SummedUsage();
                var at = DateTimeOffset.FromUnixTimeSeconds(day);
                var whatIf = scenario.CalculateSumsTotal(query.ProviderFor(pair.Provider), query.ModelFor(pair.Model), usage, at);
                var now = current.CalculateSumsTotal(pair.Provider, pair.Model, usage, at);
                if (!whatIf.Priced || !now.Priced || (query.RepricesEveryRecord && Money.ToNanos(now.TotalCost) != rest.CostNanos))
                {
                    // Only one by one tells which records a price list cannot price, or which the check does not reproduce.
                    readAgain.Add(pair);
                    break;
                }

                rows.Add((key, rest, Money.ToNanos(whatIf.TotalCost), Money.ToNanos(now.TotalCost)));
            }

            if (!readAgain.Contains(pair))
            {
                foreach (var (key, rest, whatIf, now) in rows)
                {
                    sum.AddSums(key, rest, whatIf, now);
                }
            }
        }

        if (readAgain.Count > 0)
        {
            // Second pass: the other records of those models (the first pass read their estimated and unpriced ones).
            var everyPair = readAgain.Count == pairs.Count && subset!.Models.Count == 0;
            var again = everyPair ? LedgerScanSubset.Unflagged : new LedgerScanSubset([.. readAgain.Select(p => p.Model).Distinct(StringComparer.Ordinal)], []) { Flagged = false };
            var (more, moreError) = await ScanAsync(ledger, query, again,
                everyPair ? _ => true : record => readAgain.Contains((record.Provider, record.Model)) && !subset!.Matches(record), Reprices, [], cancellationToken);
            if (moreError is not null)
            {
                return AnalyticsOutcome<WhatIfResult>.Fail(moreError);
            }

            sum.Add(more);
        }

        if (subset is not null)
        {
            // Read after the scans, so a record landing meanwhile is counted as unchanged rather than twice.
            var report = await ledger.QueryAsync(new LedgerQuery { Filter = query.Filter, GroupBy = query.By.Dimension }, cancellationToken);
            sum.AddUnread(report);
        }

        var groups = sum.Groups.Select(g => new WhatIfGroup(g.Key, g.Value.Requests, g.Value.Actual, g.Value.WhatIf))
            .OrderByDescending(g => g.ActualNanos).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        return AnalyticsOutcome<WhatIfResult>.Ok(new WhatIfResult(groups.Sum(g => g.ActualNanos), groups.Sum(g => g.WhatIfNanos), groups)
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

    /// <summary>
    /// Reads the records of <paramref name="subset"/> (every record when null) that <paramref name="include"/> keeps, each
    /// repriced when <paramref name="reprices"/> says so; the records of <paramref name="noted"/> pairs are also summed per
    /// UTC day and group, to be taken from the rollups' sums.
    /// </summary>
    private async ValueTask<(Tally Sum, string? Error)> ScanAsync(ILedgerStore ledger, WhatIfQuery query, LedgerScanSubset? subset,
        Func<UsageRecord, bool> include, Func<UsageRecord, bool> reprices, HashSet<(string Provider, string Model)> noted, CancellationToken cancellationToken)
    {
        var countRead = subset is not null;
        var (parts, error) = await new LedgerAnalytics(ledger).FoldRecordsAsync(new BreakdownQuery { Filter = query.Filter, By = query.By }, subset,
            () => new Tally(countRead), (tally, key, record) =>
            {
                if (include(record))
                {
                    tally.Add(key, record, reprices(record), noted.Contains((record.Provider, record.Model)), query, current, scenario);
                }
            }, cancellationToken);
        var sum = new Tally(countRead);
        foreach (var part in parts)
        {
            sum.Add(part);
        }

        return (sum, error);
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

    private static string KeyOf(string? key) => string.IsNullOrEmpty(key) ? CostReport.NoneKey : key;

    /// <summary>The repricing of one slice of the range (slices are scanned at the same time, then added up).</summary>
    private sealed class Tally(bool countRead)
    {
        public Dictionary<string, (long Requests, long Actual, long WhatIf)> Groups { get; } = new(StringComparer.Ordinal);

        /// <summary>Every record read, per group: what the rollups' sums hold beyond the records not read.</summary>
        private Dictionary<string, (long Requests, long Cost)> Read { get; } = new(StringComparer.Ordinal);

        /// <summary>The records read of models repriced from sums, per provider, model, UTC day and group.</summary>
        private Dictionary<(string Provider, string Model, long Day, string Key), LedgerMetrics> ReadOfSummed { get; } = [];

        public (long Requests, long Actual, long WhatIf) Estimated;
        public long Requests, Unpriced, UnpricedInScenario, UnpricedInScenarioActual, NotReproduced, NotReproducedDelta;

        public LedgerMetrics ReadOf((string Provider, string Model) pair, long day, string key) =>
            ReadOfSummed.GetValueOrDefault((pair.Provider, pair.Model, day, key));

        public void Add(string key, UsageRecord record, bool reprices, bool summed, WhatIfQuery query, ICostCalculator current, ICostCalculator scenario)
        {
            if (countRead)
            {
                ref var read = ref CollectionsMarshal.GetValueRefOrAddDefault(Read, key, out _);
                read = (read.Requests + 1, read.Cost + record.TotalCostNanos);
            }

            if (summed)
            {
                var day = record.Timestamp.ToUnixTimeSeconds();
                day -= ((day % 86_400) + 86_400) % 86_400;
                ref var read = ref CollectionsMarshal.GetValueRefOrAddDefault(ReadOfSummed, (record.Provider, record.Model, day, key), out _);
                read += LedgerMetrics.Of(record);
            }

            if (record.Unpriced || !string.Equals(record.Currency, "USD", StringComparison.Ordinal))
            {
                Unpriced++;
                return;
            }

            var whatIfNanos = record.TotalCostNanos;
            if (reprices)
            {
                var whatIf = scenario.CalculateTotal(query.ProviderFor(record.Provider), query.ModelFor(record.Model), record.Usage, record.Timestamp);
                if (!whatIf.Priced)
                {
                    UnpricedInScenario++;
                    UnpricedInScenarioActual += record.TotalCostNanos;
                    return;
                }

                var now = current.CalculateTotal(record.Provider, record.Model, record.Usage, record.Timestamp);
                NotReproducedBy(1, record.TotalCostNanos, now.Priced ? Money.ToNanos(now.TotalCost) : 0);
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

        /// <summary>
        /// Records repriced from sums: <paramref name="rest"/> (priced, measured, not read one by one) costs
        /// <paramref name="whatIf"/> in the scenario and <paramref name="now"/> at the prices in force.
        /// </summary>
        public void AddSums(string key, LedgerMetrics rest, long whatIf, long now)
        {
            ref var read = ref CollectionsMarshal.GetValueRefOrAddDefault(Read, key, out _);
            read = (read.Requests + rest.Requests, read.Cost + rest.CostNanos);
            NotReproducedBy(rest.Requests, rest.CostNanos, now);
            Requests += rest.Requests;
            Add(key, (rest.Requests, rest.CostNanos, whatIf));
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

            foreach (var (key, value) in other.ReadOfSummed)
            {
                ref var read = ref CollectionsMarshal.GetValueRefOrAddDefault(ReadOfSummed, key, out _);
                read += value;
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
        /// The records the scans left out (priced, not estimated, moved by no map), per group: the rollups' sums less what
        /// was read or repriced from sums. Each costs what it cost.
        /// </summary>
        public void AddUnread(LedgerReport report)
        {
            foreach (var group in report.Groups)
            {
                var key = KeyOf(group.Key);
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

        /// <summary>
        /// Records whose recorded cost the prices in force do not give again. Records repriced from sums are counted by the
        /// day (and group): every record of a day whose recorded total differs.
        /// </summary>
        private void NotReproducedBy(long records, long recorded, long now)
        {
            if (recorded != now)
            {
                NotReproduced += records;
                NotReproducedDelta += recorded - now;
            }
        }

        private void Add(string key, (long Requests, long Actual, long WhatIf) value)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(Groups, key, out _);
            sum = (sum.Requests + value.Requests, sum.Actual + value.Actual, sum.WhatIf + value.WhatIf);
        }
    }
}
