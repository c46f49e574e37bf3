namespace Tollgate.Ledger;

/// <summary>
/// One rollup table range a report reads: rows with <see cref="TimeColumn"/> in [<see cref="From"/>,
/// <see cref="To"/>) (null = unbounded). A report may read several (whole UTC days from the daily rollup, the
/// partial days at its edges from the hourly one); the report builder adds their rows up.
/// </summary>
internal readonly record struct RollupSource(string Table, string TimeColumn, long? From, long? To)
{
    public const string ModelHourly = "ledger_rollup_model_hourly";
    public const string WideHourly = "ledger_rollup_hourly";
    public const string WideDaily = "ledger_rollup_daily";

    /// <summary>
    /// The smallest rollups that answer <paramref name="query"/> (not for session filters, which read raw records):
    /// the (hour × provider, model, api flavour) rollup when the query needs no other dimension; otherwise the daily
    /// rollup of every dimension for the whole UTC days in range when the buckets are whole UTC days (no bucket, or
    /// day/week/month buckets in a zone that is always UTC), plus the hourly one for the hours outside them.
    /// </summary>
    public static List<RollupSource> Plan(LedgerQuery query)
    {
        var (from, to) = LedgerReportBuilder.HourRange(query.Filter);
        if (LedgerReportBuilder.CanUseModelRollup(query))
        {
            return [new RollupSource(ModelHourly, "hour", from, to)];
        }

        var dayAligned = query.Bucket is null ||
                         (query.Bucket is not TimeBucket.Hour && IsAlwaysUtc(query.TimeZone));
        long? firstDay = from is { } f ? CeilingDay(f) : null;
        long? endDay = to is { } t ? LedgerReportBuilder.DayOf(t) : null;
        if (!dayAligned || (firstDay is { } a && endDay is { } b && a >= b))
        {
            return [new RollupSource(WideHourly, "hour", from, to)];
        }

        var sources = new List<RollupSource> { new(WideDaily, "day", firstDay, endDay) };
        if (from is { } start && firstDay is { } fd && start < fd)
        {
            sources.Add(new RollupSource(WideHourly, "hour", start, fd));
        }

        if (to is { } end && endDay is { } ed && ed < end)
        {
            sources.Add(new RollupSource(WideHourly, "hour", ed, end));
        }

        return sources;
    }

    private static long CeilingDay(long unixSeconds)
    {
        var day = LedgerReportBuilder.DayOf(unixSeconds);
        return day == unixSeconds ? day : day + LedgerReportBuilder.SecondsPerDay;
    }

    private static bool IsAlwaysUtc(TimeZoneInfo zone) =>
        zone == TimeZoneInfo.Utc || (zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime);
}
