namespace Tollgate.Ledger;

/// <summary>
/// One row of the latency rollups (or the same sums over raw records at the edges of a range): a UTC day (unix seconds of
/// its midnight), the narrow dimensions ('' for none), the calls using a prompt cache (cache read or write tokens) and
/// the latency histogram of the successful calls.
/// </summary>
public sealed record LatencyRollupRow(long Day, string Provider, string Model, string ApiFlavor, string Tenant, long CacheCalls, LatencyHistogram Histogram)
{
    /// <summary>The row's value of a narrow dimension (provider, model, api flavour or tenant).</summary>
    public string Get(LedgerDimension dimension) => dimension switch
    {
        LedgerDimension.Provider => Provider,
        LedgerDimension.Model => Model,
        LedgerDimension.ApiFlavor => ApiFlavor,
        LedgerDimension.Tenant => Tenant,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), "the latency rollups hold provider, model, api flavour and tenant only"),
    };

    /// <summary>True when a record uses a prompt cache as the rollups count it.</summary>
    public static bool UsesCache(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Usage.CacheReadTokens > 0 || record.Usage.CacheWriteTokens > 0;
    }
}
