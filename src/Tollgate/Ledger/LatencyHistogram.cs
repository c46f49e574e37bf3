using System.Runtime.InteropServices;

namespace Tollgate.Ledger;

/// <summary>
/// Counts of successful calls per <see cref="LatencyBuckets"/> bucket. Stored sparse, as (bucket, count) pairs in
/// bucket order: a flat <c>bigint[]</c> in PostgreSQL, varints in a SQLite blob (<see cref="Encode"/>).
/// </summary>
public sealed class LatencyHistogram
{
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
        var bytes = new List<byte>(_counts.Count * 3);
        var previous = 0;
        foreach (var (bucket, count) in Buckets)
        {
            Write(bytes, (ulong)(bucket - previous));
            Write(bytes, (ulong)count);
            previous = bucket;
        }

        return [.. bytes];
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

    /// <summary>Two encoded histograms added up, encoded (the SQLite rollups' upsert merges with it).</summary>
    public static byte[] Merge(byte[]? a, byte[]? b)
    {
        var sum = Decode(a);
        sum.Add(Decode(b));
        return sum.Encode();
    }

    private static void Write(List<byte> bytes, ulong value)
    {
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
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
