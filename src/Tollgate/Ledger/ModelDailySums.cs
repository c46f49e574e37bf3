namespace Tollgate.Ledger;

/// <summary>One provider's model's sums per UTC day and group, from the rollups: what pricing from sums (what-if, cache savings) reads.</summary>
internal static class ModelDailySums
{
    /// <summary>
    /// The sums of <paramref name="pair"/> within <paramref name="filter"/> (and the records carrying <paramref name="tag"/>
    /// when given) by <paramref name="by"/> (no value is <see cref="CostReport.NoneKey"/>) and UTC day (unix seconds of its midnight).
    /// </summary>
    public static async ValueTask<IEnumerable<(string Key, long Day, LedgerMetrics Metrics)>> ReadAsync(
        ILedgerStore ledger, LedgerFilter filter, LedgerDimension? by, LedgerTag? tag, (string Provider, string Model) pair, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(filter);
        var report = await ledger.QueryAsync(new LedgerQuery
        {
            Filter = filter with { Provider = pair.Provider, Model = pair.Model },
            GroupBy = by,
            Tag = tag,
            Bucket = TimeBucket.Day,
            TimeZone = TimeZoneInfo.Utc,
        }, cancellationToken);
        return report.Groups.Select(g => (string.IsNullOrEmpty(g.Key) ? CostReport.NoneKey : g.Key, g.BucketStart!.Value.ToUnixTimeSeconds(), g.Metrics));
    }

    /// <summary>
    /// By the value of the tag <paramref name="byTag"/>, every model's sums within <paramref name="filter"/> per group and
    /// UTC day, keyed by model: one read of the tag rollups per value in <paramref name="values"/> (each reads only its
    /// value's rows, where a read per model reads every value's) and one of all calls, less the valued ones for
    /// <see cref="CostReport.NoneKey"/>. A model name two providers serve would be summed together: the caller then reads
    /// per provider (a provider filter).
    /// </summary>
    public static async Task<Dictionary<string, List<(string Key, long Day, LedgerMetrics Metrics)>>> ReadByTagAsync(
        ILedgerStore ledger, LedgerFilter filter, string byTag, IReadOnlyCollection<string> values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(values);
        var query = new LedgerQuery { Filter = filter, GroupBy = LedgerDimension.Model, Bucket = TimeBucket.Day, TimeZone = TimeZoneInfo.Utc };
        var all = ledger.QueryAsync(query, cancellationToken).AsTask();
        var valued = values.Select(v => (Value: v, Report: ledger.QueryAsync(query with { Tag = new LedgerTag(byTag, v) }, cancellationToken).AsTask())).ToList();
        await Task.WhenAll(valued.Select(v => v.Report).Append(all));
        var sums = new Dictionary<(string Model, string Key, long Day), LedgerMetrics>();
        foreach (var g in (await all).Groups)
        {
            sums[(g.Key ?? "", CostReport.NoneKey, g.BucketStart!.Value.ToUnixTimeSeconds())] = g.Metrics;
        }

        foreach (var (value, report) in valued)
        {
            foreach (var g in (await report).Groups)
            {
                var (model, day) = (g.Key ?? "", g.BucketStart!.Value.ToUnixTimeSeconds());
                sums[(model, value, day)] = g.Metrics;
                sums[(model, CostReport.NoneKey, day)] = sums.GetValueOrDefault((model, CostReport.NoneKey, day)) - g.Metrics;
            }
        }

        return sums.Where(s => s.Value != default).GroupBy(s => s.Key.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(s => (s.Key.Key, s.Key.Day, s.Value)).ToList(), StringComparer.Ordinal);
    }
}
