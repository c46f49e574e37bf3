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

    /// <summary>
    /// A histogram read from a rollup row keeps the row's pairs as they came (sorted, never changed) until something is
    /// added to it: a comparison adds thousands of rows into a few sums, and a dictionary per row cost more than the read.
    /// </summary>
    private long[]? _pairs;

    /// <summary>
    /// A histogram read from a SQLite rollup row keeps the row's encoded bytes until it is read otherwise than added into
    /// sums (<see cref="AddTo"/> walks them): the pairs of thousands of rows are then never allocated.
    /// </summary>
    private byte[]? _encoded;

    /// <summary>−1 when <see cref="_encoded"/>'s counts are to be negated (a row read to be subtracted), else 1.</summary>
    private long _encodedSign = 1;

    private long _count;

    /// <summary>Calls counted.</summary>
    public long Count
    {
        get
        {
            Expand();
            return _count;
        }

        private set => _count = value;
    }

    /// <summary>The buckets and their counts, in bucket order.</summary>
    public IEnumerable<(int Bucket, long Count)> Buckets
    {
        get
        {
            Expand();
            return _pairs is { } pairs ? Pairs(pairs) : _counts.Where(c => c.Value != 0).OrderBy(c => c.Key).Select(c => (c.Key, c.Value));
        }
    }

    public void AddLatency(long latencyMs) => AddBucket(LatencyBuckets.Of(latencyMs), 1);

    public void AddBucket(int bucket, long count)
    {
        if (count == 0)
        {
            return;
        }

        Materialize();
        ref var n = ref CollectionsMarshal.GetValueRefOrAddDefault(_counts, bucket, out _);
        n += count;
        Count += count;
    }

    public void Add(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        other.Expand();
        if (other._pairs is { } pairs)
        {
            for (var i = 0; i + 1 < pairs.Length; i += 2)
            {
                AddBucket((int)pairs[i], pairs[i + 1]);
            }

            return;
        }

        foreach (var (bucket, count) in other._counts)
        {
            AddBucket(bucket, count);
        }
    }

    /// <summary>
    /// Adds this histogram's counts times <paramref name="sign"/> (1, or −1 to subtract) into <paramref name="counts"/>,
    /// indexed by bucket and grown as needed: a comparison sums thousands of rows into a few groups, where an array beats
    /// a dictionary per group.
    /// </summary>
    internal void AddTo(ref long[] counts, long sign = 1)
    {
        if (_encoded is { } encoded)
        {
            var at = 0;
            var bucket = 0L;
            while (at < encoded.Length)
            {
                bucket += (long)Read(encoded, ref at);
                if (at >= encoded.Length)
                {
                    break;
                }

                At(ref counts, (int)bucket) += sign * _encodedSign * (long)Read(encoded, ref at);
            }

            return;
        }

        if (_pairs is { } pairs)
        {
            for (var i = 0; i + 1 < pairs.Length; i += 2)
            {
                At(ref counts, (int)pairs[i]) += sign * pairs[i + 1];
            }

            return;
        }

        foreach (var (bucket, count) in _counts)
        {
            At(ref counts, bucket) += sign * count;
        }

        static ref long At(ref long[] counts, int bucket)
        {
            if (bucket >= counts.Length)
            {
                Array.Resize(ref counts, Math.Max(bucket + 1, counts.Length * 2));
            }

            return ref counts[bucket];
        }
    }

    /// <summary>The same buckets with their counts negated: a rollup row read to be subtracted (<see cref="RollupPlan.NegativeHours"/>).</summary>
    internal LatencyHistogram Negated()
    {
        // Kept as pairs (buckets ascending, as ToPairs gives them), not re-added bucket by bucket into a dictionary.
        var pairs = ToPairs();
        for (var i = 1; i < pairs.Length; i += 2)
        {
            pairs[i] = -pairs[i];
        }

        return new LatencyHistogram { _pairs = pairs, Count = -Count };
    }

    /// <summary>The histogram of counts indexed by bucket (as <see cref="AddTo"/> sums them).</summary>
    internal static LatencyHistogram FromCounts(long[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var pairs = new List<long>();
        for (var bucket = 0; bucket < counts.Length; bucket++)
        {
            if (counts[bucket] != 0)
            {
                pairs.Add(bucket);
                pairs.Add(counts[bucket]);
            }
        }

        return FromPairs(pairs.ToArray());
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
        Expand();
        if (_pairs is { } kept)
        {
            return [.. kept];
        }

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
        if (pairs is long[] array && IsSorted(array))
        {
            histogram._pairs = array;
            for (var i = 1; i < array.Length; i += 2)
            {
                histogram.Count += array[i];
            }

            return histogram;
        }

        for (var i = 0; pairs is not null && i + 1 < pairs.Count; i += 2)
        {
            histogram.AddBucket((int)pairs[i], pairs[i + 1]);
        }

        return histogram;
    }

    /// <summary>The pairs as unsigned LEB128 varints, each bucket as the gap from the previous one (a few bytes a pair).</summary>
    public byte[] Encode()
    {
        Materialize();
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
        // Every varint ends with a byte below 0x80: that many numbers, two per pair.
        var numbers = 0;
        foreach (var b in bytes)
        {
            numbers += b < 0x80 ? 1 : 0;
        }

        var pairs = new long[numbers & ~1];
        var bucket = 0L;
        var i = 0;
        for (var p = 0; p < pairs.Length; p += 2)
        {
            bucket += (long)Read(bytes, ref i);
            pairs[p] = bucket;
            pairs[p + 1] = (long)Read(bytes, ref i);
        }

        return FromPairs(pairs);
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

    /// <summary>Pairs as a rollup row stores them: buckets strictly ascending, counts above zero.</summary>
    private static bool IsSorted(long[] pairs)
    {
        if (pairs.Length % 2 != 0)
        {
            return false;
        }

        for (var i = 0; i < pairs.Length; i += 2)
        {
            if (pairs[i + 1] <= 0 || pairs[i] < 0 || pairs[i] > int.MaxValue || (i > 0 && pairs[i] <= pairs[i - 2]))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<(int Bucket, long Count)> Pairs(long[] pairs)
    {
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            yield return ((int)pairs[i], pairs[i + 1]);
        }
    }

    /// <summary>
    /// The histogram of a SQLite rollup row's encoded bytes (<see cref="Encode"/>), its counts negated when
    /// <paramref name="negated"/>, decoded when first read otherwise than by <see cref="AddTo"/>; the array must not change.
    /// </summary>
    internal static LatencyHistogram OfEncoded(byte[] encoded, bool negated = false) => new() { _encoded = encoded, _encodedSign = negated ? -1 : 1 };

    private void Expand()
    {
        if (_encoded is { } encoded)
        {
            _encoded = null;
            var decoded = _encodedSign < 0 ? Decode(encoded).Negated() : Decode(encoded);
            decoded.Expand();
            (_pairs, _count) = (decoded._pairs, decoded._count);
            foreach (var (bucket, count) in decoded._counts)
            {
                _counts[bucket] = count;
            }
        }
    }

    private void Materialize()
    {
        Expand();
        if (_pairs is { } pairs)
        {
            _pairs = null;
            for (var i = 0; i + 1 < pairs.Length; i += 2)
            {
                _counts[(int)pairs[i]] = pairs[i + 1];
            }
        }
    }
}
