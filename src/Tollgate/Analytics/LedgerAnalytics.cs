using System.Runtime.InteropServices;
using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// Analytics over a ledger, usable in process (the CLI and the gateway's admin API call the same methods).
/// Breakdowns by a ledger dimension read the rollups through <see cref="ILedgerStore.QueryAsync"/>; breakdowns by a tag
/// and tag filters read the raw records of the range (<see cref="ILedgerStore.ReadAsync"/>), because tags are free-form
/// and not rolled up. Either way the rows add up exactly to the total, which equals the export for the same filter.
/// </summary>
public sealed class LedgerAnalytics
{
    private readonly ILedgerStore _store;

    public LedgerAnalytics(ILedgerStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    public async ValueTask<AnalyticsOutcome<Breakdown>> BreakdownAsync(BreakdownQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Top is <= 0)
        {
            return AnalyticsOutcome<Breakdown>.Fail("top must be a positive number");
        }

        if (query.Filter.From > query.Filter.To)
        {
            return AnalyticsOutcome<Breakdown>.Fail("from is after to: swap them");
        }

        LedgerMetrics total;
        Dictionary<string, LedgerMetrics> groups;
        if (query.By.TagKey is null && query.Tags.Count == 0)
        {
            var report = await _store.QueryAsync(new LedgerQuery { Filter = query.Filter, GroupBy = query.By.Dimension }, cancellationToken);
            total = report.Total;
            groups = new Dictionary<string, LedgerMetrics>(StringComparer.Ordinal);
            foreach (var g in report.Groups)
            {
                Add(groups, g.Key ?? CostReport.NoneKey, g.Metrics);
            }
        }
        else
        {
            total = default;
            groups = new Dictionary<string, LedgerMetrics>(StringComparer.Ordinal);
            var seenKey = query.By.TagKey is null;
            var keys = new SortedSet<string>(StringComparer.Ordinal);
            await foreach (var record in _store.ReadAsync(query.Filter, cancellationToken))
            {
                if (!query.Tags.All(t => t.Matches(record.Tags)))
                {
                    continue;
                }

                var metrics = LedgerMetrics.Of(record);
                total += metrics;
                string? key;
                if (query.By.TagKey is { } tag)
                {
                    key = record.Tags.TryGetValue(tag, out var value) ? value : null;
                    seenKey |= key is not null;
                    if (keys.Count < 50)
                    {
                        keys.UnionWith(record.Tags.Keys);
                    }
                }
                else
                {
                    key = LedgerReportBuilder.KeyOf(record, query.By.Dimension);
                }

                Add(groups, string.IsNullOrEmpty(key) ? CostReport.NoneKey : key, metrics);
            }

            if (!seenKey && total.Requests > 0)
            {
                return AnalyticsOutcome<Breakdown>.Fail(
                    $"no record in the range has the tag key '{query.By.TagKey}'" +
                    (keys.Count > 0 ? $"; tag keys present: {string.Join(", ", keys)}" : "; no record in the range has tags"));
            }
        }

        var ordered = groups.OrderByDescending(g => g.Value.CostNanos).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new BreakdownRow(g.Key, g.Value)).ToList();
        if (query.Top is { } top && ordered.Count > top)
        {
            var other = ordered.Skip(top).Aggregate(default(LedgerMetrics), (s, r) => s + r.Metrics);
            ordered = [.. ordered.Take(top), new BreakdownRow(Breakdown.OtherKey, other)];
        }

        return AnalyticsOutcome<Breakdown>.Ok(new Breakdown(total, ordered));
    }

    private static void Add(Dictionary<string, LedgerMetrics> groups, string key, LedgerMetrics metrics)
    {
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(groups, key, out _);
        sum += metrics;
    }
}
