using System.Runtime.InteropServices;

namespace Tollgate.Ledger;

/// <summary>Sums a batch's newly stored records per rollup key, so each key is upserted once per batch.</summary>
internal sealed class RollupDelta
{
    public Dictionary<RollupKey, LedgerMetrics> Wide { get; } = [];

    /// <summary>The (hour, provider, model, api flavour) rollup, summed from <see cref="Wide"/> (a few thousand keys, not one lookup per record).</summary>
    public Dictionary<(long Hour, string Provider, string Model, string ApiFlavor), LedgerMetrics> ByModel()
    {
        var byModel = new Dictionary<(long, string, string, string), LedgerMetrics>();
        foreach (var (key, metrics) in Wide)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(byModel, (key.Hour, key.Provider, key.Model, key.ApiFlavor), out _);
            sum += metrics;
        }

        return byModel;
    }

    /// <summary>The daily rollup (every dimension, UTC days), summed from <see cref="Wide"/>; keys carry the day start in <see cref="RollupKey.Hour"/>.</summary>
    public Dictionary<RollupKey, LedgerMetrics> Daily()
    {
        var daily = new Dictionary<RollupKey, LedgerMetrics>();
        foreach (var (key, metrics) in Wide)
        {
            ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(daily, key with { Hour = LedgerReportBuilder.DayOf(key.Hour) }, out _);
            sum += metrics;
        }

        return daily;
    }

    /// <summary>Empties the sums and keeps the capacity: a store reuses one delta per batch instead of regrowing a large dictionary.</summary>
    public void Clear() => Wide.Clear();

    public void Add(UsageRecord record)
    {
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(Wide, RollupKey.Of(record), out _);
        sum += LedgerMetrics.Of(record);
    }

    public static long[] Values(LedgerMetrics m) =>
    [
        m.Requests, m.InputTokens, m.CacheReadTokens, m.CacheWriteTokens, m.OutputTokens, m.ReasoningTokens,
        m.CostNanos, m.InputCostNanos, m.OutputCostNanos, m.Errors, m.Estimated, m.Unpriced, m.LatencyMsSum,
    ];
}
