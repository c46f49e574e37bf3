using Tollgate.Ledger;

namespace Tollgate.Tests.Ledger;

public sealed class LatencyBucketsTests
{
    [Theory]
    [InlineData(0L, 0)]
    [InlineData(1L, 1)]
    [InlineData(127L, 127)]
    [InlineData(128L, 128)]
    [InlineData(129L, 128)]
    [InlineData(130L, 129)]
    [InlineData(255L, 191)]
    [InlineData(256L, 192)]
    [InlineData(259L, 192)]
    [InlineData(260L, 193)]
    [InlineData(1000L, 317)]
    public void Of_Latency_IsItsLogLinearBucket(long latency, int bucket) => Assert.Equal(bucket, LatencyBuckets.Of(latency));

    [Fact]
    public void Of_NegativeLatency_CountsAsZero() => Assert.Equal(0, LatencyBuckets.Of(-5));

    [Theory]
    [InlineData(127, 127L, 127L)]
    [InlineData(128, 128L, 129L)]
    [InlineData(191, 254L, 255L)]
    [InlineData(192, 256L, 259L)]
    [InlineData(317, 1000L, 1007L)]
    public void LowerAndUpper_Bucket_AreItsFirstAndLastLatency(int bucket, long lower, long upper)
    {
        Assert.Equal(lower, LatencyBuckets.Lower(bucket));
        Assert.Equal(upper, LatencyBuckets.Upper(bucket));
    }

    [Fact]
    public void Buckets_EveryLatencyUpToOneMinuteAndSamplesBeyond_LieInTheirBucketWithinOneSixtyFourth()
    {
        var samples = Enumerable.Range(0, 60_001).Select(i => (long)i)
            .Concat(Enumerable.Range(17, 46).SelectMany(e => new[] { (1L << e) - 1, 1L << e, (1L << e) + 1 }))
            .Append(long.MaxValue);
        var previous = -1;
        foreach (var latency in samples)
        {
            var bucket = LatencyBuckets.Of(latency);
            Assert.InRange(latency, LatencyBuckets.Lower(bucket), LatencyBuckets.Upper(bucket));
            // The reported bound overstates a latency by less than 1/64 of it; below 128 ms not at all.
            Assert.True((LatencyBuckets.Upper(bucket) - latency) * LatencyBuckets.SubBuckets <= latency, $"{latency} in bucket {bucket}");
            Assert.Equal(latency < LatencyBuckets.ExactBelow, LatencyBuckets.IsExact(bucket));
            if (latency < LatencyBuckets.ExactBelow)
            {
                Assert.Equal(latency, LatencyBuckets.Upper(bucket));
            }

            Assert.True(bucket >= previous);
            previous = bucket;
        }

        Assert.Equal(long.MaxValue, LatencyBuckets.Upper(LatencyBuckets.Of(long.MaxValue)));
    }

    [Fact]
    public void Buckets_Consecutive_TileTheLatenciesWithoutGaps()
    {
        for (var bucket = 1; bucket < LatencyBuckets.Of(long.MaxValue); bucket++)
        {
            Assert.Equal(LatencyBuckets.Upper(bucket - 1) + 1, LatencyBuckets.Lower(bucket));
        }
    }

    [Fact]
    public void Percentile_Histogram_IsTheNearestRanksBucketUpperBound()
    {
        var histogram = new LatencyHistogram();
        foreach (var latency in new long[] { 100, 1000, 1001, 5000 })
        {
            histogram.AddLatency(latency);
        }

        Assert.Equal(1007, histogram.Percentile(0.50)); // rank 2: 1000 ms, bucket 1000–1007
        Assert.Equal(5055, histogram.Percentile(0.95)); // rank 4: 5000 ms, bucket 4992–5055
        Assert.Equal(100, histogram.Percentile(0.01));  // rank 1: exact below 128 ms
        Assert.Null(new LatencyHistogram().Percentile(0.5));
    }

    [Fact]
    public void EncodeAndMerge_Histograms_RoundTripAndAdd()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        foreach (var latency in new long[] { 5, 5, 300, 70_000 })
        {
            a.AddLatency(latency);
        }

        b.AddLatency(300);
        b.AddLatency(long.MaxValue);

        var merged = LatencyHistogram.Decode(LatencyHistogram.Merge(a.Encode(), b.Encode()));

        Assert.Equal(a.Buckets, LatencyHistogram.Decode(a.Encode()).Buckets);
        Assert.Equal(a.Buckets, LatencyHistogram.FromPairs(a.ToPairs()).Buckets);
        Assert.Equal(6, merged.Count);
        Assert.Equal([(5, 2L), (LatencyBuckets.Of(300), 2L), (LatencyBuckets.Of(70_000), 1L), (LatencyBuckets.Of(long.MaxValue), 1L)], merged.Buckets);
        Assert.Empty(LatencyHistogram.Decode(LatencyHistogram.Merge(null, null)).Buckets);
    }

    [Fact]
    public void Merge_RandomHistograms_SameBytesAsDecodingAddingAndEncoding()
    {
        var random = new Random(7);
        for (var round = 0; round < 500; round++)
        {
            var a = new LatencyHistogram();
            var b = new LatencyHistogram();
            for (var i = random.Next(0, 40); i > 0; i--)
            {
                a.AddBucket(random.Next(0, 2_000), random.NextInt64(1, 1L << random.Next(1, 62)));
            }

            for (var i = random.Next(0, 40); i > 0; i--)
            {
                b.AddBucket(random.Next(0, 2_000), random.NextInt64(1, 1L << random.Next(1, 62)));
            }

            var expected = LatencyHistogram.Decode(a.Encode());
            expected.Add(LatencyHistogram.Decode(b.Encode()));

            Assert.Equal(expected.Encode(), LatencyHistogram.Merge(a.Encode(), b.Encode()));
        }
    }
}
