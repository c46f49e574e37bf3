using System.Runtime.InteropServices;

namespace Tollgate.Ledger;

/// <summary>
/// Counts of successful calls per <see cref="LatencyBuckets"/> bucket. Stored sparse, as (bucket, count) pairs in
/// bucket order: a flat <c>bigint[]</c> in PostgreSQL, varints in a SQLite blob (<see cref="Encode"/>).
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>The most bytes one encoded pair takes: a bucket gap (an int, 5 varint bytes) and a count (a long, 10).</summary>
    private const int MaxPairBytes = 15;

    private readonly Dictionary<int, long> _counts = [];

    /// <summary>Calls counted.</summary>
    public long Count { get; private set; }

    /// <summary>The buckets and their counts, in bucket order.</summary>
    public IEnumerable<(int Bucket, long Count)> Buckets => _counts.OrderBy(c => c.Key).Select(c => (c.Key, c.Value));

    public void AddLatency(long latencyMs) => AddBucket(LatencyBuckets.Of(latencyMs), 1);

    public void AddBucket(int bucket, long count)
    {
        if (count == 0)
        {
            return;
        }

        ref var n = ref CollectionsMarshal.GetValueRefOrAddDefault(_counts, bucket, out _);
        n += count;
        Count += count;
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (bucket, count) in other._counts)
        {
            AddBucket(bucket, count);
        }
    }

    /// <summary>
    /// The nearest-rank percentile (0 &lt; <paramref name="q"/> ≤ 1): the bucket holding the call of rank ⌈q·n⌉, reported
    /// as its upper bound (exact below <see cref="LatencyBuckets.ExactBelow"/>); null without any call.
    /// </summary>
    public long? Percentile(double q)
    {
        if (Count == 0)
        {
            return null;
        }

        var rank = Math.Clamp((long)Math.Ceiling(q * Count), 1, Count);
        var seen = 0L;
        foreach (var (bucket, count) in Buckets)
        {
            seen += count;
            if (seen >= rank)
            {
                return LatencyBuckets.Upper(bucket);
            }
        }

        return null;
    }

    /// <summary>The pairs flattened: bucket, count, bucket, count … in bucket order.</summary>
    public long[] ToPairs()
    {
        var pairs = new long[_counts.Count * 2];
        var i = 0;
        foreach (var (bucket, count) in Buckets)
        {
            pairs[i++] = bucket;
            pairs[i++] = count;
        }

        return pairs;
    }

    public static LatencyHistogram FromPairs(IReadOnlyList<long>? pairs)
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; pairs is not null && i + 1 < pairs.Count; i += 2)
        {
            histogram.AddBucket((int)pairs[i], pairs[i + 1]);
        }

        return histogram;
    }

    /// <summary>The pairs as unsigned LEB128 varints, each bucket as the gap from the previous one (a few bytes a pair).</summary>
    public byte[] Encode()
    {
        var n = _counts.Count;
        Span<int> buckets = n <= 256 ? stackalloc int[n] : new int[n];
        var k = 0;
        foreach (var bucket in _counts.Keys)
        {
            buckets[k++] = bucket;
        }

        buckets.Sort();
        Span<byte> bytes = n <= 256 ? stackalloc byte[n * MaxPairBytes] : new byte[n * MaxPairBytes];
        var at = 0;
        var previous = 0;
        foreach (var bucket in buckets)
        {
            at = Write(bytes, at, (ulong)(bucket - previous));
            at = Write(bytes, at, (ulong)_counts[bucket]);
            previous = bucket;
        }

        return bytes[..at].ToArray();
    }

    public static LatencyHistogram Decode(ReadOnlySpan<byte> bytes)
    {
        var histogram = new LatencyHistogram();
        var bucket = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            bucket += (int)Read(bytes, ref i);
            histogram.AddBucket(bucket, (long)Read(bytes, ref i));
        }

        return histogram;
    }

    /// <summary>
    /// Two encoded histograms added up, encoded (the SQLite rollups' upsert merges with it): the two sorted varint
    /// streams merged as they are read, so an upsert allocates nothing but its result.
    /// </summary>
    public static byte[] Merge(byte[]? a, byte[]? b)
    {
        if (a is null || a.Length == 0)
        {
            return b ?? [];
        }

        if (b is null || b.Length == 0)
        {
            return a;
        }

        // Gaps only shrink when two streams interleave; a count grows by at most one varint byte when two are added.
        var bound = a.Length + b.Length + ((a.Length + b.Length) / 2) + MaxPairBytes;
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            var output = rented.AsSpan();
            int i = 0, j = 0, at = 0, previous = 0;
            int bucketA = 0, bucketB = 0;
            ulong countA = 0, countB = 0;
            var hasA = Next(a, ref i, ref bucketA, ref countA);
            var hasB = Next(b, ref j, ref bucketB, ref countB);
            while (hasA || hasB)
            {
                int bucket;
                ulong count;
                if (hasA && (!hasB || bucketA < bucketB))
                {
                    (bucket, count) = (bucketA, countA);
                    hasA = Next(a, ref i, ref bucketA, ref countA);
                }
                else if (hasB && (!hasA || bucketB < bucketA))
                {
                    (bucket, count) = (bucketB, countB);
                    hasB = Next(b, ref j, ref bucketB, ref countB);
                }
                else
                {
                    (bucket, count) = (bucketA, countA + countB);
                    hasA = Next(a, ref i, ref bucketA, ref countA);
                    hasB = Next(b, ref j, ref bucketB, ref countB);
                }

                at = Write(output, at, (ulong)(bucket - previous));
                at = Write(output, at, count);
                previous = bucket;
            }

            return output[..at].ToArray();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }

        static bool Next(ReadOnlySpan<byte> bytes, ref int i, ref int bucket, ref ulong count)
        {
            if (i >= bytes.Length)
            {
                return false;
            }

            bucket += (int)Read(bytes, ref i);
            count = Read(bytes, ref i);
            return true;
        }
    }

    private static int Write(Span<byte> bytes, int at, ulong value)
    {
        while (value >= 0x80)
        {
            bytes[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        bytes[at++] = (byte)value;
        return at;
    }

    private static ulong Read(ReadOnlySpan<byte> bytes, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[i++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
