using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Metering;

namespace Tollgate.Gateway.Tests.Proxy;

public sealed class RequestIdsTests
{
    [Fact]
    public void Next_Always_ReqPrefixAnd24LowercaseHexStartingWithTheMillisecond()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 30, 0, 123, TimeSpan.Zero));

        var id = RequestIds.Next(time);

        Assert.Matches("^req_[0-9a-f]{24}$", id);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), long.Parse(id[4..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Next_LaterMillisecond_SortsAfterEveryEarlierId()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.Zero));
        var ids = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            ids.Add(RequestIds.Next(time));
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Next_ManyInTheSameMillisecondOnSeveralThreads_AllDistinct()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.Zero));
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 4, _ =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                ids.Add(RequestIds.Next(time));
            }
        });

        Assert.Equal(20_000, ids.Distinct().Count());
    }
}
