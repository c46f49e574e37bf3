namespace Tollgate.Forecasting;

/// <summary>
/// Simulates a budget's future spend to date its exhaustion. Each path spends, hour by hour from now, the spend of a past
/// hour drawn at random among those at the same hour of the day (rescaled to the weekday once two weeks of history
/// exist), so the daily and weekly rhythm and the hour-to-hour spread of real spend carry over; the run-out time of a path is the
/// moment (interpolated within the hour) its cumulative spend reaches what remains. Percentiles are taken over the paths,
/// paths that do not run out before the reset counting as "later than the reset".
/// </summary>
public static class BudgetRunOutEstimator
{
    /// <summary>The fewest hours of history simulated from: less than a day says nothing about the daily rhythm.</summary>
    public const int MinimumHistoryHours = 24;

    /// <summary>How far a budget without a reset (lifetime) is simulated.</summary>
    public static readonly TimeSpan LifetimeHorizon = TimeSpan.FromDays(366);

    /// <summary>
    /// Estimates the run-out of <paramref name="remaining"/> from <paramref name="now"/>. <paramref name="hourlySpend"/> holds
    /// the spend of the whole hours before the hour holding <paramref name="now"/>, oldest first. Null when the history
    /// is shorter than <see cref="MinimumHistoryHours"/> or holds no spend at all (nothing to project from).
    /// </summary>
    public static BudgetRunOut? Estimate(double remaining, DateTimeOffset now, DateTimeOffset? resetsAt, IReadOnlyList<double> hourlySpend, int paths = 2000, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(paths, 10);
        var n = hourlySpend.Count;
        if (remaining <= 0)
        {
            return new BudgetRunOut { P10 = now, P50 = now, P90 = now, ProbabilityBeforeReset = 1, HistoryHours = n };
        }

        if (n < MinimumHistoryHours || hourlySpend.All(v => v <= 0))
        {
            return null;
        }

        var end = resetsAt ?? now + LifetimeHorizon;
        if (end <= now)
        {
            return new BudgetRunOut { ProbabilityBeforeReset = 0, HistoryHours = n };
        }

        // Candidate past hours: those at the same hour of the day (every day of history is a sample, so the spread of
        // hourly spend is kept). Once two weeks are known, a draw from another weekday is rescaled by the ratio of the two
        // weekdays' mean spend, so quiet weekends stay quiet without thinning the samples to one or two per hour of the week.
        var historyStart = SpendHistory.BucketStart(now, TimeSpan.FromHours(1)) - TimeSpan.FromHours(n);
        var byHour = new List<(double Spend, int Weekday)>[24];
        for (var h = 0; h < 24; h++)
        {
            byHour[h] = [];
        }

        var weekdaySum = new double[7];
        var weekdayHours = new int[7];
        for (var i = 0; i < n; i++)
        {
            var at = historyStart.AddHours(i).UtcDateTime;
            var spend = Math.Max(0, hourlySpend[i]);
            byHour[at.Hour].Add((spend, (int)at.DayOfWeek));
            weekdaySum[(int)at.DayOfWeek] += spend;
            weekdayHours[(int)at.DayOfWeek]++;
        }

        var weekdayFactor = new double[7];
        var overall = hourlySpend.Sum(v => Math.Max(0, v)) / n;
        for (var d = 0; d < 7; d++)
        {
            weekdayFactor[d] = n >= 14 * 24 && weekdayHours[d] > 0 && overall > 0 ? weekdaySum[d] / weekdayHours[d] / overall : 1.0;
        }

        var random = new Random(seed);
        var runOut = new double[paths];
        var totalHours = (end - now).TotalHours;
        var currentHourStart = SpendHistory.BucketStart(now, TimeSpan.FromHours(1));
        for (var path = 0; path < paths; path++)
        {
            var spent = 0.0;
            var elapsed = 0.0;
            runOut[path] = double.PositiveInfinity;
            var hourStart = currentHourStart;
            while (elapsed < totalHours)
            {
                // The first step is the rest of the current hour; each later step a whole hour.
                var length = Math.Min((hourStart.AddHours(1) - now).TotalHours - elapsed, totalHours - elapsed);
                var pool = byHour[hourStart.UtcDateTime.Hour];
                var (sample, from) = pool[random.Next(pool.Count)];
                var to = (int)hourStart.UtcDateTime.DayOfWeek;
                var rate = weekdayFactor[from] > 0 ? sample * weekdayFactor[to] / weekdayFactor[from] : sample;
                var step = rate * length;
                if (spent + step >= remaining && rate > 0)
                {
                    runOut[path] = elapsed + ((remaining - spent) / rate);
                    break;
                }

                spent += step;
                elapsed += length;
                hourStart = hourStart.AddHours(1);
            }
        }

        Array.Sort(runOut);
        var reached = runOut.Count(double.IsFinite);
        DateTimeOffset? At(double q)
        {
            var hours = runOut[Math.Clamp((int)Math.Ceiling(q * paths) - 1, 0, paths - 1)];
            return double.IsFinite(hours) ? now + TimeSpan.FromHours(hours) : null;
        }

        return new BudgetRunOut { P10 = At(0.10), P50 = At(0.50), P90 = At(0.90), ProbabilityBeforeReset = reached / (double)paths, HistoryHours = n };
    }
}
