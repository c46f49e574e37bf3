namespace Tollgate.Ledger;

/// <summary>One provider's model's sums per UTC day and group, from the rollups: what pricing from sums (what-if, cache savings) reads.</summary>
internal static class ModelDailySums
{
    /// <summary>
    /// The sums of <paramref name="pair"/> within <paramref name="filter"/> (and the records carrying <paramref name="tag"/>
    /// when given) by UTC day (unix seconds of its midnight) and by <paramref name="by"/>, or by the value of the tag
    /// <paramref name="byTag"/> (the calls without it under <see cref="CostReport.NoneKey"/>, as an empty value is); one
    /// entry per group and day.
    /// </summary>
    public static async ValueTask<IEnumerable<(string Key, long Day, LedgerMetrics Metrics)>> ReadAsync(
        ILedgerStore ledger, LedgerFilter filter, LedgerDimension? by, string? byTag, LedgerTag? tag, (string Provider, string Model) pair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(filter);
        var query = new LedgerQuery
        {
            Filter = filter with { Provider = pair.Provider, Model = pair.Model },
            GroupBy = byTag is null ? by : null,
            GroupByTag = byTag,
            Tag = tag,
            Bucket = TimeBucket.Day,
            TimeZone = TimeZoneInfo.Utc,
        };
        var sums = new Dictionary<(string Key, long Day), LedgerMetrics>();
        foreach (var g in (await ledger.QueryAsync(query, cancellationToken)).Groups)
        {
            Add((KeyOf(g.Key), g.BucketStart!.Value.ToUnixTimeSeconds()), g.Metrics);
        }

        if (byTag is not null)
        {
            // The calls without a value: each day's total less its calls with one.
            var valued = sums.Where(s => s.Key.Key != CostReport.NoneKey).GroupBy(s => s.Key.Day)
                .ToDictionary(g => g.Key, g => g.Aggregate(default(LedgerMetrics), (sum, s) => sum + s.Value));
            foreach (var g in (await ledger.QueryAsync(query with { GroupByTag = null }, cancellationToken)).Groups)
            {
                var day = g.BucketStart!.Value.ToUnixTimeSeconds();
                sums[(CostReport.NoneKey, day)] = g.Metrics - valued.GetValueOrDefault(day);
            }
        }

        return sums.Where(s => s.Value != default).Select(s => (s.Key.Key, s.Key.Day, s.Value));

        void Add((string, long) key, LedgerMetrics metrics) => sums[key] = sums.GetValueOrDefault(key) + metrics;

        static string KeyOf(string? key) => string.IsNullOrEmpty(key) ? CostReport.NoneKey : key;
    }
}
