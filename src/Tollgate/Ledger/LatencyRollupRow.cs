namespace Tollgate.Ledger;

/// <summary>
/// One row of the latency rollups (or the same sums over raw records at the edges of a range): a UTC day (unix seconds of
/// its midnight), the dimensions ('' for none; project, user and key only in rows of the wide latency rollups, '' in the
/// narrow ones), the calls using a prompt cache (cache read or write tokens) and the latency histogram of the successful
/// calls. A row of the tag latency rollups also carries its calls' value of the tag asked for (<see cref="TagValue"/>).
/// </summary>
public sealed record LatencyRollupRow(
    long Day, string Provider, string Model, string ApiFlavor, string Tenant, long CacheCalls, LatencyHistogram Histogram,
    string Project = "", string User = "", string KeyId = "", string TagValue = "")
{
    /// <summary>The row's value of a dimension.</summary>
    public string Get(LedgerDimension dimension) => dimension switch
    {
        LedgerDimension.Provider => Provider,
        LedgerDimension.Model => Model,
        LedgerDimension.ApiFlavor => ApiFlavor,
        LedgerDimension.Tenant => Tenant,
        LedgerDimension.Project => Project,
        LedgerDimension.User => User,
        LedgerDimension.Key => KeyId,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), "the latency rollups hold the seven groupable dimensions only"),
    };

    /// <summary>True when a record uses a prompt cache as the rollups count it.</summary>
    public static bool UsesCache(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.Usage.CacheReadTokens > 0 || record.Usage.CacheWriteTokens > 0;
    }

    /// <summary>A row of <paramref name="key"/> (its time a UTC day) and <paramref name="cell"/>.</summary>
    internal static LatencyRollupRow Of(in RollupKey key, LatencyCell cell) =>
        new(key.Time, key.Provider, key.Model, key.ApiFlavor, key.Tenant, cell.CacheCalls, cell.Histogram, key.Project, key.User, key.KeyId);

    /// <summary>A tag latency row of <paramref name="key"/> (its time a UTC day) and <paramref name="cell"/>.</summary>
    internal static LatencyRollupRow Of(in TagRollupKey key, LatencyCell cell) =>
        new(key.Time, key.Provider, key.Model, key.ApiFlavor, key.Tenant, cell.CacheCalls, cell.Histogram, TagValue: key.Value);
}
