namespace Tollgate.Routing;

/// <summary>
/// Fixed latency buckets (upper bounds in milliseconds) shared by every store, so histograms from
/// several processes add up. A percentile is the upper bound of the bucket it falls in (a conservative estimate).
/// </summary>
public static class LatencyHistogram
{
    private static readonly int[] UpperBounds =
        [5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000];

    /// <summary>Buckets, the last one open-ended.</summary>
    public const int BucketCount = 25;

    public static int BucketOf(TimeSpan latency)
    {
        var ms = latency.TotalMilliseconds;
        for (var i = 0; i < UpperBounds.Length; i++)
        {
            if (ms <= UpperBounds[i])
            {
                return i;
            }
        }

        return BucketCount - 1;
    }

    /// <summary>The bucket's upper bound in ms (the open last bucket reports twice the previous bound).</summary>
    public static double UpperBoundMilliseconds(int bucket) =>
        bucket < UpperBounds.Length ? UpperBounds[bucket] : UpperBounds[^1] * 2.0;

    public static double? Percentile(IReadOnlyList<long> buckets, double quantile)
    {
        long total = 0;
        foreach (var count in buckets)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < buckets.Count; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return UpperBoundMilliseconds(i);
            }
        }

        return UpperBoundMilliseconds(buckets.Count - 1);
    }
}
