using Tollgate.Costing;

namespace Tollgate.Tests.Costing;

public sealed class UsageTests
{
    [Fact]
    public void Add_SameUnitTwice_SumsCounts()
    {
        var usage = new Usage();
        usage.Add(UsageUnit.InputTokens, 100);
        usage.Add(UsageUnit.InputTokens, 20);

        Assert.Equal(120, usage.InputTokens);
        Assert.True(usage.IsReported(UsageUnit.InputTokens));
    }

    [Fact]
    public void Set_Zero_IsReportedButNotListed()
    {
        var usage = new Usage();
        usage.Set(UsageUnit.CacheReadTokens, 0);

        Assert.True(usage.IsReported(UsageUnit.CacheReadTokens));
        Assert.False(usage.IsReported(UsageUnit.CacheWriteTokens));
        Assert.Empty(usage.NonZero());
    }

    [Fact]
    public void Set_Negative_Throws()
    {
        var usage = new Usage();
        Assert.Throws<ArgumentOutOfRangeException>(() => usage.Set(UsageUnit.OutputTokens, -1));
    }

    [Fact]
    public void UncachedInputTokens_InputMinusCacheParts()
    {
        var usage = new Usage { InputTokens = 1000, CacheReadTokens = 300, CacheWriteTokens = 200 };
        Assert.Equal(500, usage.UncachedInputTokens);
    }

    [Fact]
    public void UnitRegistry_KeysRoundTrip()
    {
        Assert.Equal(UsageUnitInfo.Count, UsageUnitInfo.All.Count);
        foreach (var info in UsageUnitInfo.All)
        {
            Assert.True(UsageUnitInfo.TryFromKey(info.Key, out var unit));
            Assert.Equal(info.Unit, unit);
            Assert.True(UsageUnitInfo.TryFromPriceKey(info.PriceKey, out unit));
            Assert.Equal(info.Unit, unit);
        }
    }

    [Theory]
    [InlineData("0.0000000015", 2)]
    [InlineData("1.5", 1_500_000_000)]
    [InlineData("0.0090519", 9_051_900)]
    public void Money_ToNanos_RoundsHalfAway(string amount, long expected) =>
        Assert.Equal(expected, Money.ToNanos(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Money_Format_NoTrailingZeros() => Assert.Equal("0.0090519", Money.Format(0.00905190m));
}
