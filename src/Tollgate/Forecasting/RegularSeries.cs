using Tollgate.TimeSeries;

namespace Tollgate.Forecasting;

/// <summary>
/// A series on a fixed time step, ready to forecast: its step, its seasonal periods (in steps) and its values, with any
/// missing steps filled by linear interpolation (reported in <see cref="Notes"/>).
/// </summary>
public sealed class RegularSeries
{
    /// <summary>The largest share of filled (missing) steps accepted; beyond it the history is too holed to trust.</summary>
    public const double MaxMissingShare = 0.2;

    private RegularSeries(DateTime last, TimeSpan step, double[] values, int[] periods, IReadOnlyList<string> notes)
    {
        Last = last;
        Step = step;
        Values = values;
        SeasonalPeriods = periods;
        Notes = notes;
    }

    public DateTime Last { get; }

    public TimeSpan Step { get; }

    public IReadOnlyList<double> Values { get; }

    public IReadOnlyList<int> SeasonalPeriods { get; }

    public IReadOnlyList<string> Notes { get; }

    /// <summary>
    /// The step is the smallest gap between consecutive timestamps; timestamps must increase, and every gap must be a whole
    /// number of steps. Seasonal periods: a day and a week for steps that divide a day, a week for daily steps, a year of
    /// weeks for weekly ones; a period is used only when the history covers it twice (else it is noted).
    /// </summary>
    public static (RegularSeries? Series, string? Error) From(TimeSeriesData data)
    {
        var times = data.Timestamps;
        if (times.Count < SeriesForecaster.MinimumPoints)
        {
            return (null, $"the series has {times.Count} row(s): at least {SeriesForecaster.MinimumPoints} are needed to forecast.");
        }

        var step = TimeSpan.MaxValue;
        for (var i = 1; i < times.Count; i++)
        {
            var gap = times[i] - times[i - 1];
            if (gap <= TimeSpan.Zero)
            {
                var what = gap == TimeSpan.Zero ? "repeats" : "is earlier than";
                return (null, $"row {i + 1}: timestamp '{data.RawTimestamps[i]}' {what} the row before ('{data.RawTimestamps[i - 1]}'); rows must be in time order without duplicates.");
            }

            step = gap < step ? gap : step;
        }

        var span = (times[^1] - times[0]).Ticks / step.Ticks;
        var missing = span + 1 - times.Count;
        if (missing > MaxMissingShare * (span + 1))
        {
            return (null, $"{missing} of the {span + 1} steps of {step} between the first and the last row are missing: more than {MaxMissingShare:P0}; resample or fill the series first.");
        }

        var values = new List<double> { data.Values[0] };
        var filled = 0;
        for (var i = 1; i < times.Count; i++)
        {
            var gap = times[i] - times[i - 1];
            if (gap.Ticks % step.Ticks != 0)
            {
                return (null, $"row {i + 1}: the gap of {gap} after '{data.RawTimestamps[i - 1]}' is not a whole number of the series' step ({step}); resample the series to a fixed step.");
            }

            var steps = (int)Math.Min(int.MaxValue, gap.Ticks / step.Ticks);
            if (steps > 1)
            {
                filled += steps - 1;
                var from = data.Values[i - 1];
                for (var k = 1; k < steps; k++)
                {
                    values.Add(from + ((data.Values[i] - from) * k / steps));
                }
            }

            values.Add(data.Values[i]);
        }

        var notes = new List<string>();
        if (filled > 0)
        {
            notes.Add($"{filled} missing step(s) filled by linear interpolation.");
        }

        var periods = new List<int>();
        foreach (var period in CandidatePeriods(step))
        {
            if (values.Count >= 2 * period)
            {
                periods.Add(period);
            }
            else
            {
                notes.Add($"a season of {period} steps needs {2 * period} points of history ({values.Count} given): forecasting without it.");
            }
        }

        return (new RegularSeries(times[^1], step, values.ToArray(), periods.ToArray(), notes), null);
    }

    private static IEnumerable<int> CandidatePeriods(TimeSpan step)
    {
        var day = TimeSpan.FromDays(1);
        if (step < day && day.Ticks % step.Ticks == 0)
        {
            yield return (int)(day.Ticks / step.Ticks);
            var week = 7 * (day.Ticks / step.Ticks);
            if (week <= SeriesForecaster.MaxHistory / 2)
            {
                yield return (int)week;
            }
        }
        else if (step == day)
        {
            yield return 7;
        }
        else if (step == TimeSpan.FromDays(7))
        {
            yield return 52;
        }
    }
}
