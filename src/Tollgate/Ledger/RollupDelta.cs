namespace Tollgate.Ledger;

/// <summary>Sums a batch's newly stored records per rollup key, so each key is upserted once per batch.</summary>
internal sealed class RollupDelta
{
    public Dictionary<RollupKey, LedgerMetrics> Wide { get; } = [];

    public Dictionary<(long Hour, string Provider, string Model, string ApiFlavor), LedgerMetrics> ByModel { get; } = [];

    public void Add(UsageRecord record)
    {
        var key = RollupKey.Of(record);
        var metrics = LedgerMetrics.Of(record);
        Wide[key] = Wide.TryGetValue(key, out var w) ? w + metrics : metrics;
        var modelKey = (key.Hour, key.Provider, key.Model, key.ApiFlavor);
        ByModel[modelKey] = ByModel.TryGetValue(modelKey, out var m) ? m + metrics : metrics;
    }

    public static long[] Values(LedgerMetrics m) =>
    [
        m.Requests, m.InputTokens, m.CacheReadTokens, m.CacheWriteTokens, m.OutputTokens, m.ReasoningTokens,
        m.CostNanos, m.InputCostNanos, m.OutputCostNanos, m.Errors, m.Estimated, m.Unpriced, m.LatencyMsSum,
    ];
}
