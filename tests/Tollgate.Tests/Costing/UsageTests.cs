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

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(UsageUnitInfo.Count)]
    public void Set_UnitsInAnyOrder_KeepsEveryCount(int units)
    {
        // Few units live in inline slots kept in unit order; more move to a full array: both must read back exactly.
        var random = new Random(units);
        var order = Enumerable.Range(0, UsageUnitInfo.Count).OrderBy(_ => random.Next()).Take(units).ToArray();
        var expected = new Dictionary<UsageUnit, long>();
        var usage = new Usage();
        foreach (var i in order)
        {
            var unit = (UsageUnit)i;
            var count = i % 5 == 0 ? 0 : 1000 + i;
            usage.Set(unit, count);
            expected[unit] = count;
            usage.Add(unit, 1);
            expected[unit] += 1;
        }

        foreach (var info in UsageUnitInfo.All)
        {
            Assert.Equal(expected.GetValueOrDefault(info.Unit), usage[info.Unit]);
            Assert.Equal(expected.ContainsKey(info.Unit), usage.IsReported(info.Unit));
        }

        var copy = usage.Clone();
        Assert.Equal(usage, copy);
        copy.Add(UsageUnit.Requests, 1);
        Assert.NotEqual(usage, copy);
        var sum = new Usage { Requests = 1 };
        sum.Add(usage);
        Assert.Equal(copy, sum);
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
    public void Money_Conversions_MatchDecimalArithmeticForEveryScale()
    {
        // The conversions work on the decimal's integer and scale; they must give exactly what decimal arithmetic gives
        // (rounding, ceiling, overflow, and FromNanos' value and scale).
        var random = new Random(42);
        var amounts = new List<decimal> { 0m, -0m, 0.5e-9m, -0.5e-9m, 2.5e-9m, -2.5e-9m, 9223372036.854775807m, 9223372036.854775808m, -9223372036.854775808m, decimal.MaxValue, decimal.MinValue };
        for (var i = 0; i < 20_000; i++)
        {
            var low = random.Next(int.MinValue, int.MaxValue);
            amounts.Add(new decimal(i % 4 == 0 ? low / 1000 * 1000 : low, random.Next(2) == 0 ? 0 : random.Next(), random.Next(3) == 0 ? random.Next() : 0, random.Next(2) == 0, (byte)random.Next(0, 29)));
        }

        foreach (var amount in amounts)
        {
            Assert.Equal(Outcome(() => decimal.ToInt64(decimal.Round(amount * Money.NanosPerUnit, 0, MidpointRounding.AwayFromZero))), Outcome(() => Money.ToNanos(amount)));
            Assert.Equal(Outcome(() => decimal.ToInt64(decimal.Ceiling(amount * Money.NanosPerUnit))), Outcome(() => Money.ToNanosCeiling(amount)));
        }

        var nanos = new List<long> { 0, 1, -1, 10, 1_000_000_000, -1_000_000_000, long.MaxValue, long.MinValue, 7_000_000 };
        for (var i = 0; i < 20_000; i++)
        {
            var value = random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(0, 63);
            nanos.Add(i % 3 == 0 ? value / 1000 * 1000 : value);
        }

        foreach (var value in nanos)
        {
            var expected = value / (decimal)Money.NanosPerUnit;
            var actual = Money.FromNanos(value);
            Assert.Equal(expected, actual);
            Assert.Equal(expected.Scale, actual.Scale);
        }

        static string Outcome(Func<long> convert)
        {
            try
            {
                return convert().ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (OverflowException)
            {
                return "overflow";
            }
        }
    }

    [Fact]
    public void Money_Format_NoTrailingZeros() => Assert.Equal("0.0090519", Money.Format(0.00905190m));
}
