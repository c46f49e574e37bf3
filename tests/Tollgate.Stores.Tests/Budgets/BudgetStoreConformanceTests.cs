using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;
using Tollgate.Budgets.StressHost;
using Tollgate.Costing;

namespace Tollgate.Stores.Tests.Budgets;

/// <summary>
/// The one conformance suite every budget store passes. Each derived class supplies a store; tests isolate
/// themselves with fresh budget ids, so one store per class is enough.
/// </summary>
public abstract class BudgetStoreConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    protected abstract IBudgetStore Store { get; }

    private static string NewId() => "b" + Guid.NewGuid().ToString("N")[..10];

    private static string NewRes() => "r" + Guid.NewGuid().ToString("N");

    private static HoldRequest Request(DateTimeOffset now, params HoldLine[] lines) => new(NewRes(), lines, now, now.AddMinutes(5));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TryHold_WithinLimit_HeldThenSettledToActual()
    {
        var id = NewId();
        var req = Request(T0, new HoldLine(id, "daily:2026-11-22", 1000, 600));
        Assert.True((await Store.TryHoldAsync(req, Ct)).Held);
        Assert.Equal(new BudgetCounter(0, 600), await Store.GetCounterAsync(id, "daily:2026-11-22", T0, Ct));

        Assert.True(await Store.SettleAsync(req.ReservationId, req.Lines, [250], T0, Ct));
        Assert.Equal(new BudgetCounter(250, 0), await Store.GetCounterAsync(id, "daily:2026-11-22", T0, Ct));
        Assert.False(await Store.SettleAsync(req.ReservationId, req.Lines, [250], T0, Ct));
        Assert.Equal(new BudgetCounter(250, 0), await Store.GetCounterAsync(id, "daily:2026-11-22", T0, Ct));
    }

    [Fact]
    public async Task SettleAndReclaim_ZeroHoldBesideAnAmount_EveryLineReleasedOnce()
    {
        // An unpriced call holds nothing; releasing a zero line must work like any other (it once failed mid-script in Redis).
        var id = NewId();
        var other = NewId();
        var settled = Request(T0, new HoldLine(id, "w", 1000, 300), new HoldLine(other, "w", 1000, 0));
        Assert.True((await Store.TryHoldAsync(settled, Ct)).Held);
        Assert.True(await Store.SettleAsync(settled.ReservationId, settled.Lines, [0, 0], T0, Ct));
        Assert.Equal(new BudgetCounter(0, 0), await Store.GetCounterAsync(id, "w", T0, Ct));

        var abandoned = new HoldRequest(NewRes(), [new HoldLine(other, "w", 1000, 0), new HoldLine(id, "w", 1000, 200)], T0, T0.AddSeconds(10));
        Assert.True((await Store.TryHoldAsync(abandoned, Ct)).Held);
        Assert.True(await Store.ReclaimExpiredAsync(T0.AddSeconds(11), Ct) >= 1);
        Assert.Equal(new BudgetCounter(0, 0), await Store.GetCounterAsync(id, "w", T0.AddSeconds(11), Ct));
        Assert.Equal(new BudgetCounter(0, 0), await Store.GetCounterAsync(other, "w", T0.AddSeconds(11), Ct));
    }

    [Fact]
    public async Task TryHold_OverLimit_RefusedWithCounterNumbersAndNothingChanged()
    {
        var id = NewId();
        var first = Request(T0, new HoldLine(id, "w", 1000, 700));
        Assert.True((await Store.TryHoldAsync(first, Ct)).Held);
        await Store.SettleAsync(first.ReservationId, first.Lines, [400], T0, Ct);
        Assert.True((await Store.TryHoldAsync(Request(T0, new HoldLine(id, "w", 1000, 500)), Ct)).Held);

        var refused = await Store.TryHoldAsync(Request(T0, new HoldLine(id, "w", 1000, 101)), Ct);
        Assert.False(refused.Held);
        Assert.Equal(0, refused.FailedLine);
        Assert.Equal(400, refused.SpentNanos);
        Assert.Equal(500, refused.HeldNanos);
        Assert.Equal(new BudgetCounter(400, 500), await Store.GetCounterAsync(id, "w", T0, Ct));
        Assert.True((await Store.TryHoldAsync(Request(T0, new HoldLine(id, "w", 1000, 100)), Ct)).Held); // exact fit
    }

    [Fact]
    public async Task TryHold_SecondOfThreeBudgetsFull_NothingHeldAnywhere()
    {
        string a = NewId(), b = NewId(), c = NewId();
        var outcome = await Store.TryHoldAsync(Request(T0, new HoldLine(a, "w", 1000, 500), new HoldLine(b, "w", 400, 500), new HoldLine(c, "w", 1000, 500)), Ct);
        Assert.False(outcome.Held);
        Assert.Equal(1, outcome.FailedLine);
        Assert.Equal(default, await Store.GetCounterAsync(a, "w", T0, Ct));
        Assert.Equal(default, await Store.GetCounterAsync(c, "w", T0, Ct));

        var ok = Request(T0, new HoldLine(a, "w", 1000, 300), new HoldLine(b, "w", 400, 300), new HoldLine(c, "w", 1000, 300));
        Assert.True((await Store.TryHoldAsync(ok, Ct)).Held);
        Assert.True(await Store.SettleAsync(ok.ReservationId, ok.Lines, [100, 100, 100], T0, Ct));
        foreach (var id in new[] { a, b, c })
        {
            Assert.Equal(new BudgetCounter(100, 0), await Store.GetCounterAsync(id, "w", T0, Ct));
        }
    }

    [Fact]
    public async Task TryHold_ExpiredHold_ReclaimedBeforeRefusingAndLateSettleStillCounts()
    {
        var id = NewId();
        var stale = new HoldRequest(NewRes(), [new HoldLine(id, "w", 1000, 1000)], T0, T0.AddSeconds(30));
        Assert.True((await Store.TryHoldAsync(stale, Ct)).Held);
        Assert.False((await Store.TryHoldAsync(Request(T0.AddSeconds(29), new HoldLine(id, "w", 1000, 1)), Ct)).Held);

        var later = T0.AddSeconds(31);
        Assert.Equal(new BudgetCounter(0, 0), await Store.GetCounterAsync(id, "w", later, Ct));
        var fresh = Request(later, new HoldLine(id, "w", 1000, 900));
        Assert.True((await Store.TryHoldAsync(fresh, Ct)).Held);

        // The crashed-looking call did finish and was billed: its spend is recorded, its hold is not released twice.
        Assert.True(await Store.SettleAsync(stale.ReservationId, stale.Lines, [50], later, Ct));
        Assert.Equal(new BudgetCounter(50, 900), await Store.GetCounterAsync(id, "w", later, Ct));
    }

    [Fact]
    public async Task ReclaimExpired_AbandonedHolds_BudgetWholeAgain()
    {
        var id = NewId();
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await Store.TryHoldAsync(new HoldRequest(NewRes(), [new HoldLine(id, "w", 1000, 300)], T0, T0.AddSeconds(10)), Ct)).Held);
        }

        Assert.True(await Store.ReclaimExpiredAsync(T0.AddSeconds(11), Ct) >= 3);
        Assert.Equal(default, await Store.GetCounterAsync(id, "w", T0.AddSeconds(11), Ct));
    }

    [Fact]
    public async Task ReclaimExpired_ExpireAsSpentHold_CountsAsSpentNotReleased()
    {
        var id = NewId();
        var lease = new HoldRequest(NewRes(), [new HoldLine(id, "w", 1000, 400)], T0, T0.AddSeconds(10)) { ExpireAsSpent = true };
        Assert.True((await Store.TryHoldAsync(lease, Ct)).Held);
        var refused = await Store.TryHoldAsync(Request(T0.AddSeconds(11), new HoldLine(id, "w", 1000, 601)), Ct);
        Assert.False(refused.Held);
        Assert.Equal(400, refused.SpentNanos);
        Assert.Equal(0, refused.HeldNanos);
        Assert.Equal(new BudgetCounter(400, 0), await Store.GetCounterAsync(id, "w", T0.AddSeconds(11), Ct));
    }

    [Fact]
    public async Task LeasedStore_TwoInstances_NeverOverLimitAndSpendReachesSharedCounter()
    {
        var id = NewId();
        var budgets = new InMemoryBudgetDefinitionStore(new Budget { Id = id, Limit = 1m, Period = BudgetPeriod.Lifetime });
        var options = new LeasedBudgetStoreOptions { LeaseNanos = 50_000_000, FlushInterval = TimeSpan.FromMilliseconds(100), LeaseTtl = TimeSpan.FromSeconds(30) };
        await using var a = new LeasedBudgetStore(Store, options);
        await using var b = new LeasedBudgetStore(Store, options);
        var results = await Task.WhenAll(
            BudgetStress.RunAsync(new BudgetGate(a, budgets), 300, 0.01m, Ct, seed: 1),
            BudgetStress.RunAsync(new BudgetGate(b, budgets), 300, 0.01m, Ct, seed: 2));
        await a.DisposeAsync();
        await b.DisposeAsync();

        var counter = await Store.GetCounterAsync(id, "lifetime", DateTimeOffset.UtcNow, Ct);
        var spent = Money.FromNanos(counter.SpentNanos);
        Assert.Equal(results.Sum(r => r.SettledTotal), spent);
        Assert.Equal(0, counter.HeldNanos);
        Assert.True(spent <= 1m, $"spent {spent} > 1");
        Assert.True(1m - spent < 0.01m, $"spent {spent}: more than one worst case left");
    }

    [Fact]
    public async Task LeasedStore_InstanceDiesWithLease_LeaseLapsesAsSpent()
    {
        var id = NewId();
        var time = new FakeTimeProvider(T0);
        var leased = new LeasedBudgetStore(Store, new LeasedBudgetStoreOptions { LeaseNanos = 300, LeaseTtl = TimeSpan.FromSeconds(60), FlushInterval = TimeSpan.FromSeconds(10), TimeProvider = time });
        var req = Request(T0, new HoldLine(id, "w", 1000, 100));
        Assert.True((await leased.TryHoldAsync(req, Ct)).Held);
        Assert.True(await leased.SettleAsync(req.ReservationId, req.Lines, [80], T0, Ct));
        Assert.Equal(new BudgetCounter(0, 300), await Store.GetCounterAsync(id, "w", T0, Ct)); // the lease, not yet flushed

        // The instance vanishes (never flushed, never disposed): after the TTL its whole lease counts as spent.
        Assert.Equal(new BudgetCounter(300, 0), await ReclaimAndReadAsync(id, T0.AddSeconds(61)));
    }

    private async Task<BudgetCounter> ReclaimAndReadAsync(string id, DateTimeOffset now)
    {
        await Store.ReclaimExpiredAsync(now, Ct);
        return await Store.GetCounterAsync(id, "w", now, Ct);
    }

    [Fact]
    public async Task TryHold_RollingWindow_PastBucketsCount()
    {
        var id = NewId();
        await Store.SetSpentAsync(id, "day:2026-11-20", 600, Ct);
        var line = new HoldLine(id, "day:2026-11-22", 1000, 500) { PastWindowKeys = ["day:2026-11-21", "day:2026-11-20"] };
        var refused = await Store.TryHoldAsync(Request(T0, line), Ct);
        Assert.False(refused.Held);
        Assert.Equal(600, refused.SpentNanos);
        Assert.True((await Store.TryHoldAsync(Request(T0, line with { AmountNanos = 400 }), Ct)).Held);
    }

    [Fact]
    public async Task TryHold_NotEnforcedLineOverLimit_HeldAndReported()
    {
        var id = NewId();
        var outcome = await Store.TryHoldAsync(Request(T0, new HoldLine(NewId(), "w", 1000, 10), new HoldLine(id, "w", 100, 200) { Enforced = false }), Ct);
        Assert.True(outcome.Held);
        Assert.Equal(2UL, outcome.OverLimitLines);
        Assert.Equal(new BudgetCounter(0, 200), await Store.GetCounterAsync(id, "w", T0, Ct));
    }

    [Fact]
    public async Task SetSpent_Twice_SetsNeverAdds()
    {
        var id = NewId();
        await Store.SetSpentAsync(id, "w", 700, Ct);
        await Store.SetSpentAsync(id, "w", 500, Ct);
        Assert.Equal(new BudgetCounter(500, 0), await Store.GetCounterAsync(id, "w", T0, Ct));
    }

    [Fact]
    public async Task TryMarkOnce_ConcurrentCallers_ExactlyOneWins()
    {
        var id = NewId();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Store.TryMarkOnceAsync(id, "daily:2026-11-22", "0.8", Ct).AsTask()));
        Assert.Single(results, r => r);
        Assert.True(await Store.TryMarkOnceAsync(id, "daily:2026-11-23", "0.8", Ct));
    }

    [Fact]
    public async Task Emergency_StartTwiceThenReset_OnlyFirstStartsAndResetEnds()
    {
        await Store.ResetEmergencyAsync(Ct);
        Assert.True(await Store.TryStartEmergencyAsync(new EmergencyState("b1", T0, "over 95%"), Ct));
        Assert.False(await Store.TryStartEmergencyAsync(new EmergencyState("b2", T0, "later"), Ct));
        var state = await Store.GetEmergencyAsync(Ct);
        Assert.Equal("b1", state!.BudgetId);
        Assert.Equal(T0, state.Since);
        Assert.True(await Store.ResetEmergencyAsync(Ct));
        Assert.Null(await Store.GetEmergencyAsync(Ct));
        Assert.False(await Store.ResetEmergencyAsync(Ct));
    }

    /// <summary>
    /// 1,000 concurrent callers against one hard budget through the real gate; each settles to a random
    /// actual ≤ its worst case and retries while in-flight holds (not spend) are what refused it.
    /// </summary>
    [Fact]
    public async Task Gate_1000ConcurrentReservations_NeverOverLimitAndEndsWithinOneRequest()
    {
        var id = NewId();
        var limit = 1.00m;
        var worst = 0.01m;
        var time = new FakeTimeProvider(T0);
        var gate = new BudgetGate(Store, new InMemoryBudgetDefinitionStore(new Budget { Id = id, Limit = limit, Period = BudgetPeriod.Daily }), time);
        var result = await BudgetStress.RunAsync(gate, callers: 1000, worst, Ct);

        var status = (await gate.GetStatusAsync(Ct)).Single();
        Assert.Equal(result.SettledTotal, status.Spent);
        Assert.Equal(0m, status.Held);
        Assert.True(status.Spent <= limit, $"spent {status.Spent} > limit {limit}");
        Assert.True(limit - status.Spent < worst, $"spent {status.Spent}: more than one worst-case request ({worst}) left unused");
        Assert.True(result.Refusals > 0);
        Assert.Equal(Money.ToNanos(status.Spent), (await Store.GetCounterAsync(id, status.Window.Key, T0, Ct)).SpentNanos);
    }
}
