using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;

namespace Tollgate.Tests.Budgets;

/// <summary>How <see cref="LeasedBudgetStore"/> talks to the shared store: one lease take at a time per budget window.</summary>
public sealed class LeasedBudgetStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(T0);

    private LeasedBudgetStoreOptions Options(long leaseNanos) => new() { LeaseNanos = leaseNanos, TimeProvider = _time, FlushInterval = TimeSpan.FromSeconds(1), LeaseTtl = TimeSpan.FromMinutes(1) };

    private static HoldRequest Request(string id, long limit, long amount) => new(id, [new HoldLine("b", "w", limit, amount)], T0, T0.AddMinutes(5));

    [Fact]
    public async Task TryHoldAsync_ManyConcurrentMisses_OneLeaseTaken()
    {
        var inner = new SlowSharedStore();
        await using var leased = new LeasedBudgetStore(inner, Options(1_000));
        var holds = Enumerable.Range(0, 40).Select(i => leased.TryHoldAsync(Request("r" + i, 10_000, 10), Ct).AsTask()).ToList();
        inner.Release.SetResult();
        var outcomes = await Task.WhenAll(holds);

        Assert.All(outcomes, o => Assert.True(o.Held));
        Assert.Equal(1, inner.LeaseTakes);
        Assert.Equal(0, inner.ExactHolds);
        Assert.Equal(new BudgetCounter(0, 1_000), await inner.GetCounterAsync("b", "w", T0, Ct));
    }

    [Fact]
    public async Task TryHoldAsync_LeaseBelowHalf_NextLeaseTakenBeforeItRunsDry()
    {
        var inner = new SlowSharedStore();
        inner.Release.SetResult();
        await using var leased = new LeasedBudgetStore(inner, Options(100));
        Assert.True((await leased.TryHoldAsync(Request("r1", 10_000, 60), Ct)).Held);

        // 40 of 100 left: a second lease was taken in the background while the first still serves.
        Assert.Equal(2, inner.LeaseTakes);
        Assert.True((await leased.TryHoldAsync(Request("r2", 10_000, 40), Ct)).Held);
        Assert.Equal(2, inner.LeaseTakes);
        Assert.Equal(0, inner.ExactHolds);
    }

    [Fact]
    public async Task TryHoldAsync_NoRoomForALease_ExactHoldsAndNoLeaseRetryPerRequest()
    {
        var inner = new SlowSharedStore();
        inner.Release.SetResult();
        await using var leased = new LeasedBudgetStore(inner, Options(1_000));
        Assert.True((await leased.TryHoldAsync(Request("r1", 150, 100), Ct)).Held);
        var refused = await leased.TryHoldAsync(Request("r2", 150, 100), Ct);
        Assert.False(refused.Held);
        Assert.Equal(100, refused.HeldNanos);
        Assert.True((await leased.TryHoldAsync(Request("r3", 150, 50), Ct)).Held);

        Assert.Equal(1, inner.LeaseTakes); // tried once, refused; remembered for a flush interval
        Assert.Equal(3, inner.ExactHolds);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await leased.SettleAsync("r1", [new HoldLine("b", "w", 150, 100)], [0], T0, Ct));
        Assert.Equal(new BudgetCounter(0, 50), await inner.GetCounterAsync("b", "w", T0, Ct));
    }

    /// <summary>The shared store: in memory, lease takes wait for <see cref="Release"/>, calls counted.</summary>
    private sealed class SlowSharedStore : IBudgetStore
    {
        private readonly InMemoryBudgetStore _store = new();
        private int _leaseTakes;
        private int _exactHolds;

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int LeaseTakes => Volatile.Read(ref _leaseTakes);

        public int ExactHolds => Volatile.Read(ref _exactHolds);

        public async ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default)
        {
            if (request.ExpireAsSpent)
            {
                Interlocked.Increment(ref _leaseTakes);
                await Release.Task;
            }
            else
            {
                Interlocked.Increment(ref _exactHolds);
            }

            return await _store.TryHoldAsync(request, cancellationToken);
        }

        public ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            _store.SettleAsync(reservationId, lines, actualNanos, now, cancellationToken);

        public ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            _store.GetCounterAsync(budgetId, windowKey, now, cancellationToken);

        public ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default) =>
            _store.SetSpentAsync(budgetId, windowKey, spentNanos, cancellationToken);

        public ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => _store.ReclaimExpiredAsync(now, cancellationToken);

        public ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default) =>
            _store.TryMarkOnceAsync(budgetId, windowKey, marker, cancellationToken);

        public ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default) => _store.GetEmergencyAsync(cancellationToken);

        public ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default) => _store.TryStartEmergencyAsync(state, cancellationToken);

        public ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default) => _store.ResetEmergencyAsync(cancellationToken);
    }
}
