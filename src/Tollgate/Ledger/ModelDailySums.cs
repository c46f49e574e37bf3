namespace Tollgate.Ledger;

/// <summary>One provider's model's sums per UTC day and group, from the rollups: what pricing from sums (what-if, cache savings) reads.</summary>
internal static class ModelDailySums
{
    /// <summary>The sums of <paramref name="pair"/> within <paramref name="filter"/> by <paramref name="by"/> (no value is <see cref="CostReport.NoneKey"/>) and UTC day (unix seconds of its midnight).</summary>
    public static async ValueTask<IEnumerable<(string Key, long Day, LedgerMetrics Metrics)>> ReadAsync(
        ILedgerStore ledger, LedgerFilter filter, LedgerDimension? by, (string Provider, string Model) pair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(filter);
        var report = await ledger.QueryAsync(new LedgerQuery
        {
            Filter = filter with { Provider = pair.Provider, Model = pair.Model },
            GroupBy = by,
            Bucket = TimeBucket.Day,
            TimeZone = TimeZoneInfo.Utc,
        }, cancellationToken);
        return report.Groups.Select(g => (string.IsNullOrEmpty(g.Key) ? CostReport.NoneKey : g.Key, g.BucketStart!.Value.ToUnixTimeSeconds(), g.Metrics));
    }
}
