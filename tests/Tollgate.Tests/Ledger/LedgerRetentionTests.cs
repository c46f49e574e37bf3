using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Costing;
using Tollgate.Ledger;
using Xunit;

namespace Tollgate.Tests.Ledger;

public sealed class LedgerRetentionTests
{
    private static UsageRecord Record(string id, DateTimeOffset at, decimal cost) => new()
    {
        RequestId = id,
        Timestamp = at,
        Provider = "openai",
        Model = "gpt-4o",
        Usage = new Usage { InputTokens = 10, OutputTokens = 5 },
        TotalCost = cost,
    };

    [Fact]
    public async Task RunAsync_HourlyTicks_PurgesRecordsOlderThanTheRetentionAndKeepsTotals()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 10, 0, 30, 0, TimeSpan.Zero));
        var store = new InMemoryLedgerStore();
        await store.AppendAsync([
            Record("old", new(2026, 11, 2, 23, 0, 0, TimeSpan.Zero), 1m),
            Record("edge", new(2026, 11, 3, 1, 0, 0, TimeSpan.Zero), 2m),
            Record("new", new(2026, 11, 9, 0, 0, 0, TimeSpan.Zero), 4m)], ct);
        using var stop = new CancellationTokenSource();
        var retention = new LedgerRetention(store, 7, time, NullLogger.Instance);

        var run = retention.RunAsync(stop.Token);
        var afterStart = await IdsAsync(store, ct);
        time.Advance(TimeSpan.FromHours(1));
        await WaitUntilAsync(async () => (await IdsAsync(store, ct)).Count == 1, ct);
        var total = await store.QueryAsync(new LedgerQuery(), ct);
        stop.Cancel();
        await run;

        // At 10 Nov 00:30 the cutoff is 3 Nov 00:30: "old" goes at once; an hour later (cutoff 01:30) "edge" too.
        Assert.Equal(["edge", "new"], afterStart);
        Assert.Equal(["new"], await IdsAsync(store, ct));
        Assert.Equal(7m, total.Total.Cost);
    }

    private static async Task<List<string>> IdsAsync(ILedgerStore store, CancellationToken ct)
    {
        var ids = new List<string>();
        await foreach (var r in store.ReadAsync(LedgerFilter.All, ct))
        {
            ids.Add(r.RequestId);
        }

        return [.. ids.Order(StringComparer.Ordinal)];
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        for (var i = 0; i < 500 && !await condition(); i++)
        {
            await Task.Delay(10, ct);
        }
    }
}
