using Tollgate.Forecasting;
using Tollgate.Ledger;

namespace Tollgate.Anomalies;

/// <summary>
/// Finds past anomalies in ledger spend (a backfill): each group's hourly spend, from two weeks before the range (so the
/// detector has learnt the usual pattern) to its end, is scored by <see cref="OnlineAnomalyDetector"/> row by row, as it
/// would have been live; hours in the range scoring at least the threshold are reported with the baseline they broke
/// (the median spend of the same hour on the seven days before).
/// </summary>
public static class SpendAnomalyScanner
{
    /// <summary>
    /// The default report threshold: the score above which the detector's alerts pay off on NAB (the standard profile's
    /// optimal threshold on the sample and on each of its halves lies between 0.57 and 0.60).
    /// </summary>
    public const double DefaultThreshold = 0.6;

    /// <summary>The history scored before the range, so the first hours of the range are judged against a learnt pattern.</summary>
    public static readonly TimeSpan LeadIn = TimeSpan.FromDays(14);

    /// <summary>The longest range scanned.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    public static async Task<IReadOnlyList<SpendAnomaly>> ScanAsync(
        ILedgerStore ledger, LedgerFilter filter, LedgerDimension? groupBy, DateTimeOffset from, DateTimeOffset to, double threshold = DefaultThreshold, CancellationToken cancellationToken = default)
    {
        var hour = TimeSpan.FromHours(1);
        var start = SpendHistory.BucketStart(from, hour);
        var end = SpendHistory.BucketStart(to, hour);
        if (end <= start || end - start > MaxRange)
        {
            throw new ArgumentOutOfRangeException(nameof(to), "the range must span at least one whole hour and at most 366 days");
        }

        var first = start - LeadIn;
        var count = (int)((end - first).Ticks / hour.Ticks);
        var series = await SpendHistory.ReadAsync(ledger, filter, groupBy, TimeBucket.Hour, count, end, cancellationToken);
        var found = new List<SpendAnomaly>();
        foreach (var (key, values) in series)
        {
            var firstSpend = Array.FindIndex(values, v => v != 0);
            if (firstSpend < 0)
            {
                continue;
            }

            var times = Enumerable.Range(0, count).Select(i => first.UtcDateTime.AddHours(i)).ToArray();
            var scores = OnlineAnomalyDetector.ScoreAll(times[firstSpend..], values[firstSpend..]);
            for (var i = Math.Max(firstSpend, (int)(LeadIn.Ticks / hour.Ticks)); i < count; i++)
            {
                var score = scores[i - firstSpend];
                if (score >= threshold)
                {
                    found.Add(new SpendAnomaly(first.AddHours(i), key, values[i], Baseline(values, i), score));
                }
            }
        }

        return found.OrderBy(a => a.Hour).ThenByDescending(a => a.Score).ThenBy(a => a.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>The median of the same hour on the (up to) seven days before <paramref name="index"/>.</summary>
    private static double Baseline(double[] values, int index)
    {
        var same = new List<double>();
        for (var d = 1; d <= 7 && index - (24 * d) >= 0; d++)
        {
            same.Add(values[index - (24 * d)]);
        }

        if (same.Count == 0)
        {
            return 0;
        }

        same.Sort();
        var m = same.Count / 2;
        return same.Count % 2 == 1 ? same[m] : 0.5 * (same[m - 1] + same[m]);
    }
}
