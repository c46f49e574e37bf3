using System.Runtime.InteropServices;

namespace Tollgate.Ledger;

/// <summary>Sums a batch's newly stored records per rollup key, so each key is upserted once per batch.</summary>
internal sealed class RollupDelta
{
    /// <summary>Sums per (UTC quarter hour, dimensions): the quarter-hour rollup, from which the others are summed.</summary>
    public Dictionary<RollupKey, LedgerMetrics> Wide { get; } = [];

    /// <summary>The (hour, provider, model, api flavour) rollup, summed from <see cref="Wide"/> (a few thousand keys, not one lookup per record).</summary>
    public Dictionary<(long Hour, string Provider, string Model, string ApiFlavor), LedgerMetrics> ByModel() =>
        SumBy(Wide, k => (LedgerReportBuilder.HourStartOf(k.Time), k.Provider, k.Model, k.ApiFlavor));

    /// <summary>The narrow (quarter hour, provider, model, api flavour, tenant) rollup, summed from <see cref="Wide"/>.</summary>
    public Dictionary<(long Quarter, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> Narrow() =>
        SumBy(Wide, k => (k.Time, k.Provider, k.Model, k.ApiFlavor, k.Tenant));

    /// <summary>The narrow daily rollup: <see cref="Narrow"/>'s rows summed per UTC day (keys carry the day start).</summary>
    public static Dictionary<(long Quarter, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> NarrowDaily(
        Dictionary<(long Quarter, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> narrow) =>
        SumBy(narrow, k => k with { Quarter = LedgerReportBuilder.DayOf(k.Quarter) });

    /// <summary>
    /// Sums per (UTC quarter hour, tag key, tag value, provider, model, api flavour, tenant): the tag rollups (a record
    /// counts once under each of its tags).
    /// </summary>
    public Dictionary<TagRollupKey, LedgerMetrics> Tags { get; } = [];

    /// <summary>The tag sums per UTC day (keys carry the day start).</summary>
    public Dictionary<TagRollupKey, LedgerMetrics> TagsDaily() =>
        SumBy(Tags, k => k with { Time = LedgerReportBuilder.DayOf(k.Time) });

    /// <summary>The latency rollup cells per (UTC quarter hour, every dimension): the wide latency rollups, from which the narrow ones are summed.</summary>
    public Dictionary<RollupKey, LatencyCell> Latency { get; } = [];

    /// <summary>The tag latency rollup cells, keyed as <see cref="Tags"/>.</summary>
    public Dictionary<TagRollupKey, LatencyCell> TagLatency { get; } = [];

    /// <summary>The sums of <paramref name="rows"/> under the coarser keys <paramref name="keyOf"/> gives them.</summary>
    private static Dictionary<TKey, LedgerMetrics> SumBy<TSource, TKey>(Dictionary<TSource, LedgerMetrics> rows, Func<TSource, TKey> keyOf)
        where TSource : notnull
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sums = new Dictionary<TKey, LedgerMetrics>();
        foreach (var (key, metrics) in rows)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(sums, keyOf(key), out _);
            sum += metrics;
        }

        return sums;
    }

    /// <summary>Empties the sums and keeps the capacity: a store reuses one delta per batch instead of regrowing a large dictionary.</summary>
    public void Clear()
    {
        Wide.Clear();
        Tags.Clear();
        Latency.Clear();
        TagLatency.Clear();
    }

    public void Add(UsageRecord record)
    {
        var key = RollupKey.Of(record);
        var metrics = LedgerMetrics.Of(record);
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(Wide, key, out _);
        sum += metrics;
        ref var cell = ref CollectionsMarshal.GetValueRefOrAddDefault(Latency, key, out _);
        (cell ??= new LatencyCell()).Add(record);
        foreach (var (tag, value) in record.Tags)
        {
            var tagKey = new TagRollupKey(key.Time, tag, value, key.Provider, key.Model, key.ApiFlavor, key.Tenant);
            ref var tagged = ref CollectionsMarshal.GetValueRefOrAddDefault(Tags, tagKey, out _);
            tagged += metrics;
            ref var tagCell = ref CollectionsMarshal.GetValueRefOrAddDefault(TagLatency, tagKey, out _);
            (tagCell ??= new LatencyCell()).Add(record);
        }
    }

    public static long[] Values(LedgerMetrics m) =>
    [
        m.Requests, m.InputTokens, m.CacheReadTokens, m.CacheWriteTokens, m.OutputTokens, m.ReasoningTokens,
        m.CostNanos, m.InputCostNanos, m.OutputCostNanos, m.Errors, m.Estimated, m.Unpriced, m.LatencyMsSum,
    ];
}
