namespace Tollgate.Ledger;

/// <summary>
/// Which rollup ranges (and which few raw-record ranges) a report over [from, to) reads, so that every record is
/// counted exactly once and in the right bucket in any time zone. Each rollup row covers a UTC day, hour or quarter hour;
/// a row may be used only when its whole period lies inside the range and inside one bucket. So the range is covered
/// top-down: a UTC day that lies in one bucket from the daily rollup, else its hours that do from the hourly rollup,
/// else their quarter hours from the quarter-hour rollup. Every UTC offset in use is a multiple of 15 minutes
/// (+05:30, +05:45, −03:30, +12:45 …), so bucket boundaries fall on quarter hours; what is left — the edges of a
/// range that does not start or end on a quarter hour, or a boundary that is not on one — is read from the raw
/// records, each piece inside one bucket. Adjacent ranges of a rollup are merged.
/// </summary>
internal sealed class RollupPlan
{
    private const long MicrosPerSecond = 1_000_000;

    private readonly LedgerQuery _query;

    private RollupPlan(LedgerQuery query) => _query = query;

    /// <summary>Ranges of the daily rollup, in unix seconds.</summary>
    public List<(long From, long To)> Days { get; } = [];

    /// <summary>Ranges of the hourly rollup, in unix seconds.</summary>
    public List<(long From, long To)> Hours { get; } = [];

    /// <summary>Ranges of the quarter-hour rollup, in unix seconds.</summary>
    public List<(long From, long To)> Quarters { get; } = [];

    /// <summary>Ranges of raw records, in unix microseconds; each lies inside one bucket (not merged).</summary>
    public List<(long From, long To)> Raw { get; } = [];

    /// <param name="query">The report.</param>
    /// <param name="fromMicros">First instant covered (unix microseconds, inclusive).</param>
    /// <param name="toMicros">End of the range (unix microseconds, exclusive).</param>
    /// <param name="useDaily">False when the daily rollup cannot answer the query (then whole days are read hour by hour).</param>
    public static RollupPlan For(LedgerQuery query, long fromMicros, long toMicros, bool useDaily)
    {
        ArgumentNullException.ThrowIfNull(query);
        var plan = new RollupPlan(query);
        if (fromMicros >= toMicros)
        {
            return plan;
        }

        const long q = LedgerReportBuilder.SecondsPerQuarter;
        var q0 = LedgerReportBuilder.Ceiling(CeilingSeconds(fromMicros), q);
        var q1 = LedgerReportBuilder.Floor(toMicros / MicrosPerSecond - (toMicros % MicrosPerSecond < 0 ? 1 : 0), q);
        if (q0 >= q1)
        {
            plan.AddRaw(fromMicros, toMicros);
            return plan;
        }

        plan.AddRaw(fromMicros, q0 * MicrosPerSecond);
        var h0 = LedgerReportBuilder.Ceiling(q0, LedgerReportBuilder.SecondsPerHour);
        var h1 = LedgerReportBuilder.Floor(q1, LedgerReportBuilder.SecondsPerHour);
        if (h0 >= h1)
        {
            plan.AddQuarters(q0, q1);
        }
        else
        {
            plan.AddQuarters(q0, h0);
            var d0 = LedgerReportBuilder.Ceiling(h0, LedgerReportBuilder.SecondsPerDay);
            var d1 = LedgerReportBuilder.Floor(h1, LedgerReportBuilder.SecondsPerDay);
            if (d0 >= d1)
            {
                plan.AddHours(h0, h1);
            }
            else
            {
                plan.AddHours(h0, d0);
                for (var d = d0; d < d1; d += LedgerReportBuilder.SecondsPerDay)
                {
                    if (useDaily && !plan.Straddles(d, d + LedgerReportBuilder.SecondsPerDay))
                    {
                        Append(plan.Days, d, d + LedgerReportBuilder.SecondsPerDay);
                    }
                    else
                    {
                        plan.AddHours(d, d + LedgerReportBuilder.SecondsPerDay);
                    }
                }

                plan.AddHours(d1, h1);
            }

            plan.AddQuarters(h1, q1);
        }

        plan.AddRaw(q1 * MicrosPerSecond, toMicros);
        return plan;
    }

    /// <summary>
    /// The plan for a report whose stored rollups span the quarter hours [<paramref name="firstQuarter"/>,
    /// <paramref name="lastQuarter"/>] (null when the ledger is empty): an open end of the filter is bounded by them.
    /// </summary>
    public static RollupPlan For(LedgerQuery query, long? firstQuarter, long? lastQuarter)
    {
        ArgumentNullException.ThrowIfNull(query);
        var f = query.Filter;
        if ((f.From is null && firstQuarter is null) || (f.To is null && lastQuarter is null))
        {
            return new RollupPlan(query);
        }

        var from = f.From is { } a ? LedgerColumns.FromBoundMicros(a) : firstQuarter!.Value * MicrosPerSecond;
        var to = f.To is { } b ? LedgerColumns.ToBoundMicros(b) : (lastQuarter!.Value + LedgerReportBuilder.SecondsPerQuarter) * MicrosPerSecond;
        return For(query, from, to, useDaily: !LedgerReportBuilder.CanUseModelRollup(query));
    }

    /// <summary>True when a bucket boundary lies inside (from, to): the period cannot be read as one row.</summary>
    private bool Straddles(long from, long to) =>
        _query.Bucket is { } b &&
        LedgerReportBuilder.BucketStart(from, b, _query.TimeZone, _query.WeekStart) !=
        LedgerReportBuilder.BucketStart(to - 1, b, _query.TimeZone, _query.WeekStart);

    private void AddHours(long from, long to)
    {
        for (var h = from; h < to; h += LedgerReportBuilder.SecondsPerHour)
        {
            if (Straddles(h, h + LedgerReportBuilder.SecondsPerHour))
            {
                AddQuarters(h, h + LedgerReportBuilder.SecondsPerHour);
            }
            else
            {
                Append(Hours, h, h + LedgerReportBuilder.SecondsPerHour);
            }
        }
    }

    private void AddQuarters(long from, long to)
    {
        for (var t = from; t < to; t += LedgerReportBuilder.SecondsPerQuarter)
        {
            if (Straddles(t, t + LedgerReportBuilder.SecondsPerQuarter))
            {
                AddRaw(t * MicrosPerSecond, (t + LedgerReportBuilder.SecondsPerQuarter) * MicrosPerSecond);
            }
            else
            {
                Append(Quarters, t, t + LedgerReportBuilder.SecondsPerQuarter);
            }
        }
    }

    /// <summary>Raw pieces of [from, to) split at bucket boundaries (only whole seconds can be boundaries).</summary>
    private void AddRaw(long fromMicros, long toMicros)
    {
        while (fromMicros < toMicros)
        {
            var end = toMicros;
            if (_query.Bucket is { } b)
            {
                var next = LedgerReportBuilder.BucketStart(CeilingSeconds(toMicros) - 1, b, _query.TimeZone, _query.WeekStart) * MicrosPerSecond;
                var first = LedgerReportBuilder.BucketStart(fromMicros / MicrosPerSecond, b, _query.TimeZone, _query.WeekStart) * MicrosPerSecond;
                if (next > fromMicros && next != first)
                {
                    // The last boundary inside the piece: read what follows it as its own piece, then the rest.
                    Raw.Add((next, toMicros));
                    toMicros = next;
                    continue;
                }
            }

            Raw.Add((fromMicros, end));
            return;
        }
    }

    private static long CeilingSeconds(long micros) => -LedgerReportBuilder.Floor(-micros, MicrosPerSecond) / MicrosPerSecond;

    private static void Append(List<(long From, long To)> ranges, long from, long to)
    {
        if (ranges.Count > 0 && ranges[^1].To == from)
        {
            ranges[^1] = (ranges[^1].From, to);
        }
        else
        {
            ranges.Add((from, to));
        }
    }
}
