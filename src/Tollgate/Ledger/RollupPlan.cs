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

    /// <summary>
    /// Days of the daily rollup read whole although a bucket boundary lies inside them, each counted in the bucket of
    /// <c>Time</c> (the bucket holding most of the day); the part of the day on the other side of the boundary is read
    /// again from <see cref="NegativeHours"/>/<see cref="NegativeQuarters"/> and subtracted there, and read from
    /// <see cref="Hours"/>/<see cref="Quarters"/> into its own bucket. A zone whose days are not UTC days then reads one
    /// day row and a few hours per day instead of all 24 hours — and every sum stays exact, as sums of integers do.
    /// </summary>
    public List<(long Day, long Time)> ShiftedDays { get; } = [];

    /// <summary>Hourly rollup ranges subtracted from the bucket of <c>Time</c> (see <see cref="ShiftedDays"/>).</summary>
    public List<(long From, long To, long Time)> NegativeHours { get; } = [];

    /// <summary>Quarter-hour rollup ranges subtracted from the bucket of <c>Time</c> (see <see cref="ShiftedDays"/>).</summary>
    public List<(long From, long To, long Time)> NegativeQuarters { get; } = [];

    /// <param name="query">The report.</param>
    /// <param name="fromMicros">First instant covered (unix microseconds, inclusive).</param>
    /// <param name="toMicros">End of the range (unix microseconds, exclusive).</param>
    /// <param name="useDaily">False when the daily rollup cannot answer the query (then whole days are read hour by hour).</param>
    /// <param name="signed">Whether the store can subtract (<see cref="ShiftedDays"/>); otherwise days split by a boundary are read hour by hour.</param>
    public static RollupPlan For(LedgerQuery query, long fromMicros, long toMicros, bool useDaily, bool signed = false)
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
                    else if (useDaily && signed && plan.TryShift(d))
                    {
                        // Read as the day less (and plus) the part past its one boundary.
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
        if (useDaily && signed)
        {
            plan.ReadMostlyCoveredDaysWhole();
        }

        return plan;
    }

    /// <summary>
    /// Reads the UTC day starting at <paramref name="day"/>, which one bucket boundary splits, as a shifted day (see
    /// <see cref="ShiftedDays"/>); false, changing nothing, when more than one boundary or one off the quarter hours splits it.
    /// </summary>
    private bool TryShift(long day)
    {
        const long Day = LedgerReportBuilder.SecondsPerDay;
        var b = _query.Bucket!.Value;
        var first = LedgerReportBuilder.BucketStart(day, b, _query.TimeZone, _query.WeekStart);
        var boundary = LedgerReportBuilder.BucketStart(day + Day - 1, b, _query.TimeZone, _query.WeekStart);
        if (boundary <= day || boundary % LedgerReportBuilder.SecondsPerQuarter != 0 ||
            LedgerReportBuilder.BucketStart(boundary - 1, b, _query.TimeZone, _query.WeekStart) != first)
        {
            return false;
        }

        // The day counts in the bucket holding most of it; the other part is moved over.
        var (time, from, to) = boundary - day >= day + Day - boundary ? (day, boundary, day + Day) : (boundary, day, boundary);
        ShiftedDays.Add((day, time));
        var h0 = LedgerReportBuilder.Ceiling(from, LedgerReportBuilder.SecondsPerHour);
        var h1 = Math.Max(h0, LedgerReportBuilder.Floor(to, LedgerReportBuilder.SecondsPerHour));
        AddQuarters(from, Math.Min(h0, to));
        AddHours(h0, h1);
        AddQuarters(Math.Max(h1, Math.Min(h0, to)), to);
        for (var h = LedgerReportBuilder.Floor(from, LedgerReportBuilder.SecondsPerHour); h < to; h += LedgerReportBuilder.SecondsPerHour)
        {
            if (h >= from && h + LedgerReportBuilder.SecondsPerHour <= to)
            {
                AppendTimed(NegativeHours, h, h + LedgerReportBuilder.SecondsPerHour, time);
                continue;
            }

            for (var t = Math.Max(h, from); t < Math.Min(h + LedgerReportBuilder.SecondsPerHour, to); t += LedgerReportBuilder.SecondsPerQuarter)
            {
                AppendTimed(NegativeQuarters, t, t + LedgerReportBuilder.SecondsPerQuarter, time);
            }
        }

        return true;
    }

    private static void AppendTimed(List<(long From, long To, long Time)> ranges, long from, long to, long time)
    {
        if (ranges.Count > 0 && ranges[^1].To == from && ranges[^1].Time == time)
        {
            ranges[^1] = (ranges[^1].From, to, time);
        }
        else
        {
            ranges.Add((from, to, time));
        }
    }

    /// <summary>
    /// The plan for a report whose stored rollups span the quarter hours [<paramref name="firstQuarter"/>,
    /// <paramref name="lastQuarter"/>] (null when the ledger is empty): an open end of the filter is bounded by them.
    /// </summary>
    public static RollupPlan For(LedgerQuery query, long? firstQuarter, long? lastQuarter, bool signed = false, bool? useDaily = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        var f = query.Filter;
        if ((f.From is null && firstQuarter is null) || (f.To is null && lastQuarter is null))
        {
            return new RollupPlan(query);
        }

        var from = f.From is { } a ? LedgerColumns.FromBoundMicros(a) : firstQuarter!.Value * MicrosPerSecond;
        var to = f.To is { } b ? LedgerColumns.ToBoundMicros(b) : (lastQuarter!.Value + LedgerReportBuilder.SecondsPerQuarter) * MicrosPerSecond;
        // The model rollup has hours but no days; the tag rollups (like the wide ones) have days.
        return For(query, from, to, useDaily ?? (LedgerReportBuilder.UsesTagRollups(query) || !LedgerReportBuilder.CanUseModelRollup(query)), signed);
    }

    /// <summary>
    /// For a store that can subtract: a UTC day at an end of the range of which more than half is read hour by hour, and
    /// which lies in one bucket, is read as its day row (a <see cref="ShiftedDays"/> entry counted in its own bucket) less
    /// the hours of it outside the range (<see cref="NegativeHours"/>). A range whose ends are not UTC midnights then
    /// reads a day row and a few hours per end instead of up to 23 hours (a day in Berlin: one day row, plus one hour,
    /// less one hour), and every sum stays exact.
    /// </summary>
    private void ReadMostlyCoveredDaysWhole()
    {
        const long Hour = LedgerReportBuilder.SecondsPerHour;
        const long Day = LedgerReportBuilder.SecondsPerDay;
        var hoursByDay = new SortedDictionary<long, SortedSet<long>>();
        foreach (var (from, to) in Hours)
        {
            for (var h = from; h < to; h += Hour)
            {
                var day = LedgerReportBuilder.Floor(h, Day);
                if (!hoursByDay.TryGetValue(day, out var hours))
                {
                    hoursByDay[day] = hours = [];
                }

                hours.Add(h);
            }
        }

        if (!hoursByDay.Any(d => d.Value.Count > 12 && !Straddles(d.Key, d.Key + Day)))
        {
            return;
        }

        Hours.Clear();
        foreach (var (day, hours) in hoursByDay)
        {
            if (hours.Count <= 12 || Straddles(day, day + Day))
            {
                foreach (var h in hours)
                {
                    Append(Hours, h, h + Hour);
                }

                continue;
            }

            ShiftedDays.Add((day, day));
            for (var h = day; h < day + Day; h += Hour)
            {
                if (!hours.Contains(h))
                {
                    AppendTimed(NegativeHours, h, h + Hour, day);
                }
            }
        }
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
