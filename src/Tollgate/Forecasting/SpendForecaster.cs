using Tollgate.Ledger;

namespace Tollgate.Forecasting;

/// <summary>
/// Forecasts ledger spend per hour or per day (optionally per group of one dimension) with <see cref="SeriesForecaster"/>:
/// the history is the ledger's hourly or daily rollups (four weeks of hours, or 26 weeks of days), each group's series
/// starting at its first spend (groups without spend are left out). Seasons: a day and a week for hours, a week for days, once the history covers each twice.
/// </summary>
public static class SpendForecaster
{
    public const int HourlyHistory = 28 * 24;

    public const int DailyHistory = 26 * 7;

    /// <summary>Groups forecast at most, when grouped: the most expensive over the history.</summary>
    public const int MaxGroups = 50;

    public static async Task<SpendForecastReport> ForecastAsync(
        ILedgerStore ledger, LedgerFilter filter, LedgerDimension? groupBy, TimeBucket bucket, int horizon, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        var hourly = bucket == TimeBucket.Hour;
        var count = hourly ? HourlyHistory : DailyHistory;
        var step = hourly ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var history = await SpendHistory.ReadAsync(ledger, filter, groupBy, bucket, count, now, cancellationToken);
        var next = SpendHistory.BucketStart(now, step);
        var groups = new List<SpendForecastGroup>();
        foreach (var (key, values) in history.OrderByDescending(g => g.Value.Sum()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(MaxGroups))
        {
            // A group without spend in the history has nothing to forecast from; it is left out.
            if (SpendHistory.SinceFirstSpend(values, SeriesForecaster.MinimumPoints) is not { } series)
            {
                continue;
            }

            int[] periods = hourly ? [24, 168] : [7];
            var forecast = SeriesForecaster.Forecast(series, periods.Where(p => series.Length >= 2 * p).ToArray(), horizon);
            var starts = Enumerable.Range(0, horizon).Select(h => next + (step * h)).ToArray();
            groups.Add(new SpendForecastGroup(key, starts, forecast));
        }

        return new SpendForecastReport(bucket, "USD", groups);
    }
}
