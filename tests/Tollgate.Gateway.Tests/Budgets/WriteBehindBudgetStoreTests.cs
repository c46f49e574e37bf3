using Microsoft.Extensions.Time.Testing;
using Tollgate.Budgets;
using Tollgate.Hosting;

namespace Tollgate.Gateway.Tests.Budgets;

/// <summary>The gateway's write-behind counters under <see cref="BudgetGate"/>'s fast path (holds and settlements on the in-memory cells).</summary>
public sealed class WriteBehindBudgetStoreTests
{
    private static readonly Budget Acme = new() { Id = "acme-daily", Scope = new BudgetScope { Tenant = "acme" }, Period = BudgetPeriod.Daily, Limit = 1m };
    private static readonly BudgetSubject Subject = new() { Tenant = "acme" };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FlushAsync_SpendSettledThroughTheGate_WrittenToTheDurableStore()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var durable = new InMemoryBudgetStore();
        await using var store = new WriteBehindBudgetStore(durable, time, TimeSpan.FromHours(1));
        var gate = new BudgetGate(store, new InMemoryBudgetDefinitionStore(Acme), time);
        var window = BudgetWindows.Current(Acme, time.GetUtcNow()).Key;

        for (var i = 0; i < 3; i++)
        {
            var decision = await gate.ReserveAsync(Subject, 0.2m, $"req-{i}", cancellationToken: Ct);
            Assert.True(decision.Allowed);
            Assert.True(await gate.SettleAsync(decision.Reservation!, 0.15m, Ct));
        }

        Assert.Equal(0, (await durable.GetCounterAsync(Acme.Id, window, time.GetUtcNow(), Ct)).SpentNanos);
        await store.FlushAsync(Ct);

        Assert.Equal(450_000_000, (await durable.GetCounterAsync(Acme.Id, window, time.GetUtcNow(), Ct)).SpentNanos);
    }

    [Fact]
    public async Task ReserveAsync_SpendAlreadyInTheDurableStore_CountsItBeforeTheFirstHold()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var durable = new InMemoryBudgetStore();
        var window = BudgetWindows.Current(Acme, time.GetUtcNow()).Key;
        await durable.SetSpentAsync(Acme.Id, window, 900_000_000, Ct);
        await using var store = new WriteBehindBudgetStore(durable, time, TimeSpan.FromHours(1));
        var gate = new BudgetGate(store, new InMemoryBudgetDefinitionStore(Acme), time);

        var refused = await gate.ReserveAsync(Subject, 0.2m, "req-over", cancellationToken: Ct);
        var allowed = await gate.ReserveAsync(Subject, 0.05m, "req-fits", cancellationToken: Ct);

        Assert.False(refused.Allowed);
        Assert.True(allowed.Allowed);
    }

    [Fact]
    public async Task FlushAsync_DurableWriteFailedOnce_WrittenByTheNextFlush()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var durable = new FailingOnceBudgetStore();
        await using var store = new WriteBehindBudgetStore(durable, time, TimeSpan.FromHours(1));
        var gate = new BudgetGate(store, new InMemoryBudgetDefinitionStore(Acme), time);
        var window = BudgetWindows.Current(Acme, time.GetUtcNow()).Key;
        var decision = await gate.ReserveAsync(Subject, 0.2m, "req-1", cancellationToken: Ct);
        await gate.SettleAsync(decision.Reservation!, 0.1m, Ct);

        durable.FailNextWrite = true;
        await Assert.ThrowsAsync<IOException>(() => store.FlushAsync(Ct));
        await store.FlushAsync(Ct);

        Assert.Equal(100_000_000, (await durable.GetCounterAsync(Acme.Id, window, time.GetUtcNow(), Ct)).SpentNanos);
    }

    /// <summary>An in-memory durable store whose next <see cref="SetSpentAsync"/> can be made to fail.</summary>
    private sealed class FailingOnceBudgetStore : IBudgetStore
    {
        private readonly InMemoryBudgetStore _inner = new();

        public bool FailNextWrite { get; set; }

        public ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default)
        {
            if (FailNextWrite)
            {
                FailNextWrite = false;
                throw new IOException("store unreachable");
            }

            return _inner.SetSpentAsync(budgetId, windowKey, spentNanos, cancellationToken);
        }

        public ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default) => _inner.TryHoldAsync(request, cancellationToken);

        public ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            _inner.SettleAsync(reservationId, lines, actualNanos, now, cancellationToken);

        public ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            _inner.GetCounterAsync(budgetId, windowKey, now, cancellationToken);

        public ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => _inner.ReclaimExpiredAsync(now, cancellationToken);

        public ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default) =>
            _inner.TryMarkOnceAsync(budgetId, windowKey, marker, cancellationToken);

        public ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default) => _inner.GetEmergencyAsync(cancellationToken);

        public ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default) => _inner.TryStartEmergencyAsync(state, cancellationToken);

        public ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default) => _inner.ResetEmergencyAsync(cancellationToken);
    }
}
