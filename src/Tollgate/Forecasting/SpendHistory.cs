using Tollgate.Ledger;

namespace Tollgate.Forecasting;

/// <summary>Spend per hour or per day from the ledger's rollups (the queries <c>tollgate cost</c> runs), empty buckets as 0.</summary>
public static class SpendHistory
{
    /// <summary>
    /// The cost of each whole UTC hour (or day) in the <paramref name="count"/> buckets before the one holding
    /// <paramref name="now"/>, oldest first, per group when <paramref name="groupBy"/> is set. Keys: the group value, or "" for all.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, double[]>> ReadAsync(
        ILedgerStore ledger, LedgerFilter filter, LedgerDimension? groupBy, TimeBucket bucket, int count, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (bucket is not (TimeBucket.Hour or TimeBucket.Day))
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), "spend history is hourly or daily");
        }

        var step = bucket == TimeBucket.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var end = BucketStart(now, step);
        var start = end - (step * count);
        var report = await ledger.QueryAsync(
            new LedgerQuery { Filter = filter with { From = start, To = end }, GroupBy = groupBy, Bucket = bucket, TimeZone = TimeZoneInfo.Utc },
            cancellationToken);
        var series = new Dictionary<string, double[]>(StringComparer.Ordinal);
        if (groupBy is null)
        {
            series[""] = new double[count];
        }

        foreach (var group in report.Groups)
        {
            if (group.BucketStart is not DateTimeOffset at)
            {
                continue;
            }

            var index = (int)((at - start).Ticks / step.Ticks);
            if (index < 0 || index >= count)
            {
                continue;
            }

            var key = group.Key ?? "";
            if (!series.TryGetValue(key, out var values))
            {
                values = series[key] = new double[count];
            }

            values[index] += (double)group.Metrics.Cost;
        }

        return series;
    }

    /// <summary>
    /// The series from its first spend on (keeping at least <paramref name="keepAtLeast"/> points): the buckets before a
    /// scope's first spend are not evidence of a quiet scope, only of a new one. Null when there is no spend at all.
    /// </summary>
    public static double[]? SinceFirstSpend(double[] values, int keepAtLeast)
    {
        var first = Array.FindIndex(values, v => v != 0);
        return first < 0 ? null : values[Math.Max(0, Math.Min(first, values.Length - keepAtLeast))..];
    }

    /// <summary>The start of the UTC hour or day holding <paramref name="time"/>.</summary>
    public static DateTimeOffset BucketStart(DateTimeOffset time, TimeSpan step)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % step.Ticks), TimeSpan.Zero);
    }
}
