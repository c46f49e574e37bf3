using Tollgate.Metering.Fingerprints;

namespace Tollgate.Tests.Metering;

/// <summary>The fingerprint cache: kept on a second sighting, never answers for another hash in its slot.</summary>
public sealed class RecentHashesTests
{
    [Fact]
    public void TryGet_SeenOnce_NotKept()
    {
        var cache = new RecentHashes<string>();

        cache.Add(42, "a");

        Assert.False(cache.TryGet(42, out _));
    }

    [Fact]
    public void TryGet_SeenTwice_Kept()
    {
        var cache = new RecentHashes<string>();

        cache.Add(42, "a");
        cache.Add(42, "a");

        Assert.True(cache.TryGet(42, out var value));
        Assert.Equal("a", value);
    }

    [Fact]
    public void TryGet_AnotherHashInTheSameSlot_NotAnsweredAndReplacesOnlyWhenSeenTwice()
    {
        var cache = new RecentHashes<string>();
        var first = (UInt128)42;
        var sameSlot = new UInt128(2, 42);
        cache.Add(first, "a");
        cache.Add(first, "a");

        Assert.False(cache.TryGet(sameSlot, out _));
        cache.Add(sameSlot, "b");
        Assert.True(cache.TryGet(first, out var kept));
        Assert.Equal("a", kept);
        cache.Add(sameSlot, "b");
        Assert.True(cache.TryGet(sameSlot, out var replaced));
        Assert.Equal("b", replaced);
        Assert.False(cache.TryGet(first, out _));
    }
}
