using Microsoft.Extensions.Time.Testing;
using Tollgate.Gateway.Forwarding;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Tests.Costs;

/// <summary>The month-to-date spend that volume tiers are measured against, on a ledger several gateways share.</summary>
public sealed class VolumeSpendTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static UsageRecord Record(string id, DateTimeOffset at, decimal cost) =>
        new() { RequestId = id, Timestamp = at, Provider = "openai", Model = "gpt-4o-mini", TotalCost = cost, OutputCost = cost };

    [Fact]
    public async Task WatchAsync_AnotherInstanceSpends_CountedAtTheNextRefreshAndNeverLowered()
    {
        var time = new FakeTimeProvider(Now);
        await using var ledger = new InMemoryLedgerStore();
        await ledger.AppendAsync([Record("last-month", Now.AddMonths(-1), 100m), Record("a", Now.AddDays(-1), 3m)], Ct);
        var spend = new VolumeSpend(ledger, time);
        await spend.RefreshAsync(Ct);
        using var stop = new CancellationTokenSource();
        var watching = spend.WatchAsync(VolumeSpend.RefreshInterval, stop.Token);

        spend.Add(Now, 1m); // this instance's call, not yet in the ledger
        var beforeRefresh = spend.Before(Now);
        await ledger.AppendAsync([Record("other-instance", Now, 5m)], Ct);
        time.Advance(VolumeSpend.RefreshInterval);
        var afterRefresh = await EventuallyAsync(() => spend.Before(Now), value => value != beforeRefresh);

        spend.Add(Now, 2m); // above what the ledger holds until its own record lands: the next read must not lower it
        time.Advance(VolumeSpend.RefreshInterval);
        await Task.Delay(100, Ct);
        var afterLowerRead = spend.Before(Now);
        await stop.CancelAsync();
        await watching;

        Assert.Equal(4m, beforeRefresh);
        Assert.Equal(8m, afterRefresh);
        Assert.Equal(10m, afterLowerRead);
        Assert.Equal(0m, spend.Before(Now.AddMonths(1)));
    }

    private static async Task<decimal> EventuallyAsync(Func<decimal> read, Func<decimal, bool> done)
    {
        for (var i = 0; i < 200 && !done(read()); i++)
        {
            await Task.Delay(10, Ct);
        }

        return read();
    }
}
