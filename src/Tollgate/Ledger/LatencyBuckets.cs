using System.Numerics;

namespace Tollgate.Ledger;

/// <summary>
/// The log-linear latency buckets of the latency rollups (HdrHistogram-style, 6 bits of precision): every millisecond
/// below <see cref="ExactBelow"/> (128 ms) is its own bucket; above, each power of two [2^e, 2^(e+1)) is cut into
/// <see cref="SubBuckets"/> (64) equal buckets of width 2^(e−6). A bucket's width is then at most 1/64 of its lower
/// bound, so any value in it lies within 1/64 ≈ 1.6 % below the bucket's <see cref="Upper"/> bound.
/// </summary>
public static class LatencyBuckets
{
    /// <summary>Buckets per power of two above the exact range.</summary>
    public const int SubBuckets = 64;

    /// <summary>Latencies (ms) below this have a bucket of their own (reported exactly).</summary>
    public const long ExactBelow = 2 * SubBuckets;

    /// <summary>The bucket of <paramref name="latencyMs"/> (a negative latency counts as 0).</summary>
    public static int Of(long latencyMs)
    {
        if (latencyMs < ExactBelow)
        {
            return (int)Math.Max(0, latencyMs);
        }

        var e = 63 - BitOperations.LeadingZeroCount((ulong)latencyMs);
        var shift = e - 6;
        return (int)(ExactBelow + ((e - 7) * SubBuckets) + ((latencyMs >> shift) - SubBuckets));
    }

    /// <summary>The smallest latency in <paramref name="bucket"/>.</summary>
    public static long Lower(int bucket)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        if (bucket < ExactBelow)
        {
            return bucket;
        }

        var (octave, sub) = Math.DivRem(bucket - (int)ExactBelow, SubBuckets);
        return (long)(sub + SubBuckets) << (octave + 1);
    }

    /// <summary>The largest latency in <paramref name="bucket"/>: what a percentile falling in it reports.</summary>
    public static long Upper(int bucket) => bucket < ExactBelow ? Lower(bucket) : Lower(bucket) + (1L << ((bucket - (int)ExactBelow) / SubBuckets + 1)) - 1;

    /// <summary>True when the bucket holds one latency only (below <see cref="ExactBelow"/>).</summary>
    public static bool IsExact(int bucket) => bucket < ExactBelow;
}
