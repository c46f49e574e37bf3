using System.Runtime.InteropServices;

namespace Tollgate.Ledger;

/// <summary>Sums a batch's newly stored records per rollup key, so each key is upserted once per batch.</summary>
internal sealed class RollupDelta
{
    /// <summary>Sums per (UTC quarter hour, dimensions): the quarter-hour rollup, from which the others are summed.</summary>
    public Dictionary<RollupKey, LedgerMetrics> Wide { get; } = [];

    /// <summary>The (hour, provider, model, api flavour) rollup, summed from <see cref="Wide"/> (a few thousand keys, not one lookup per record).</summary>
    public Dictionary<(long Hour, string Provider, string Model, string ApiFlavor), LedgerMetrics> ByModel()
    {
        var byModel = new Dictionary<(long, string, string, string), LedgerMetrics>();
        foreach (var (key, metrics) in Wide)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(byModel, (LedgerReportBuilder.HourStartOf(key.Time), key.Provider, key.Model, key.ApiFlavor), out _);
            sum += metrics;
        }

        return byModel;
    }

    /// <summary>The narrow (quarter hour, provider, model, api flavour, tenant) rollup, summed from <see cref="Wide"/>.</summary>
    public Dictionary<(long Quarter, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> Narrow()
    {
        var narrow = new Dictionary<(long, string, string, string, string), LedgerMetrics>();
        foreach (var (key, metrics) in Wide)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(narrow, (key.Time, key.Provider, key.Model, key.ApiFlavor, key.Tenant), out _);
            sum += metrics;
        }

        return narrow;
    }

    /// <summary>The narrow daily rollup: <see cref="Narrow"/>'s rows summed per UTC day (keys carry the day start).</summary>
    public static Dictionary<(long Quarter, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> NarrowDaily(
        Dictionary<(long Quarter, string Provider, string Model, string ApiFlavor, string Tenant), LedgerMetrics> narrow)
    {
        ArgumentNullException.ThrowIfNull(narrow);
        var daily = new Dictionary<(long, string, string, string, string), LedgerMetrics>();
        foreach (var (key, metrics) in narrow)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(daily, key with { Quarter = LedgerReportBuilder.DayOf(key.Quarter) }, out _);
            sum += metrics;
        }

        return daily;
    }

    /// <summary>The daily rollup (every dimension, UTC days), summed from <see cref="Wide"/>; keys carry the day start in <see cref="RollupKey.Time"/>.</summary>
    public Dictionary<RollupKey, LedgerMetrics> Daily()
    {
        var daily = new Dictionary<RollupKey, LedgerMetrics>();
        foreach (var (key, metrics) in Wide)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(daily, key with { Time = LedgerReportBuilder.DayOf(key.Time) }, out _);
            sum += metrics;
        }

        return daily;
    }

    /// <summary>The wide hourly rollup (every dimension, UTC hours), summed from <see cref="Wide"/>.</summary>
    public Dictionary<RollupKey, LedgerMetrics> Hourly()
    {
        var hourly = new Dictionary<RollupKey, LedgerMetrics>();
        foreach (var (key, metrics) in Wide)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(hourly, key with { Time = LedgerReportBuilder.HourStartOf(key.Time) }, out _);
            sum += metrics;
        }

        return hourly;
    }

    /// <summary>Sums per (UTC quarter hour, tag key, tag value): the tag rollups (a record counts once under each of its tags).</summary>
    public Dictionary<(long Quarter, string Key, string Value), LedgerMetrics> Tags { get; } = [];

    /// <summary>The tag sums per UTC day (keys carry the day start).</summary>
    public Dictionary<(long Quarter, string Key, string Value), LedgerMetrics> TagsDaily()
    {
        var daily = new Dictionary<(long, string, string), LedgerMetrics>();
        foreach (var (key, metrics) in Tags)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(daily, key with { Quarter = LedgerReportBuilder.DayOf(key.Quarter) }, out _);
            sum += metrics;
        }

        return daily;
    }

    /// <summary>Empties the sums and keeps the capacity: a store reuses one delta per batch instead of regrowing a large dictionary.</summary>
    public void Clear()
    {
        Wide.Clear();
        Tags.Clear();
    }

    public void Add(UsageRecord record)
    {
        var key = RollupKey.Of(record);
        var metrics = LedgerMetrics.Of(record);
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(Wide, key, out _);
        sum += metrics;
        foreach (var (tag, value) in record.Tags)
        {
            ref var tagged = ref CollectionsMarshal.GetValueRefOrAddDefault(Tags, (key.Time, tag, value), out _);
            tagged += metrics;
        }
    }

    public static long[] Values(LedgerMetrics m) =>
    [
        m.Requests, m.InputTokens, m.CacheReadTokens, m.CacheWriteTokens, m.OutputTokens, m.ReasoningTokens,
        m.CostNanos, m.InputCostNanos, m.OutputCostNanos, m.Errors, m.Estimated, m.Unpriced, m.LatencyMsSum,
    ];
}
