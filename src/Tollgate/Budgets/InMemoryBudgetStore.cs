using System.Collections.Concurrent;

namespace Tollgate.Budgets;

/// <summary>
/// Budget counters in process memory, lock-free: each counter is two integers (committed spend, and spend +
/// live holds) changed with <see cref="Interlocked"/> compare-and-swap, so a hold is admitted only while
/// spent + held + amount ≤ limit. A multi-budget hold takes its lines one by one and gives back the ones it
/// took when a later line refuses (all-or-nothing). Expired holds are reclaimed lazily, when the earliest
/// expiry has passed. For one process; several gateway instances share Redis or PostgreSQL instead.
/// </summary>
public sealed class InMemoryBudgetStore : IBudgetStore
{
    private readonly ConcurrentDictionary<CounterKey, BudgetCounterCell> _counters = new();
    private readonly ConcurrentDictionary<string, LocalHold> _holds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string, string), byte> _marks = new();
    private readonly HoldRegistry _gateHolds = new();
    private readonly Lock _sweepLock = new();
    private long _nextSweepTicks = long.MaxValue;
    private EmergencyState? _emergency;

    public ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default)
    {
        var nowTicks = request.Now.UtcTicks;
        SweepIfDue(nowTicks);

        var lines = request.Lines;
        var counters = new BudgetCounterCell[lines.Count];
        ulong overMask = 0;
        for (var i = 0; i < counters.Length; i++)
        {
            var line = lines[i];
            var counter = counters[i] = Counter(line.BudgetId, line.WindowKey);
            long pastUsed = 0, pastSpent = 0;
            foreach (var key in line.PastWindowKeys)
            {
                if (_counters.TryGetValue(new CounterKey(line.BudgetId, key), out var past))
                {
                    pastUsed += Volatile.Read(ref past.Used);
                    pastSpent += Volatile.Read(ref past.Spent);
                }
            }

            if (!counter.TryTake(line.AmountNanos, line.LimitNanos - pastUsed, line.Enforced, out var over, out var used))
            {
                BudgetCounterCell.GiveBack(counters, lines, i);
                var spent = Volatile.Read(ref counter.Spent);
                return ValueTask.FromResult(HoldOutcome.Refused(i, spent + pastSpent, used - spent + (pastUsed - pastSpent)));
            }

            if (over && i < 64)
            {
                overMask |= 1UL << i;
            }
        }

        var amounts = new long[lines.Count];
        for (var i = 0; i < amounts.Length; i++)
        {
            amounts[i] = lines[i].AmountNanos;
        }

        var expires = request.ExpiresAt.UtcTicks;
        if (!_holds.TryAdd(request.ReservationId, new LocalHold(counters, 0, amounts, expires, request.ExpireAsSpent)))
        {
            // A reused reservation id would make one settle release two holds: undo and refuse loudly.
            BudgetCounterCell.GiveBack(counters, lines, counters.Length);
            throw new InvalidOperationException($"reservation id '{request.ReservationId}' is already in use");
        }

        InterlockedMin(ref _nextSweepTicks, expires);
        return ValueTask.FromResult(HoldOutcome.Success(overMask));
    }

    public ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (!_holds.TryRemove(reservationId, out var hold))
        {
            return ValueTask.FromResult(false);
        }

        var state = hold.Finish();
        for (var i = 0; i < hold.Counters.Length; i++)
        {
            hold.Counters[i].Commit(state == LocalHold.Active ? hold.Amount(i) : 0, actualNanos[i]);
        }

        return ValueTask.FromResult(state != LocalHold.Settled);
    }

    public ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        SweepIfDue(now.UtcTicks);
        return ValueTask.FromResult(_counters.TryGetValue(new CounterKey(budgetId, windowKey), out var counter) ? counter.Read() : default);
    }

    public ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spentNanos);
        Counter(budgetId, windowKey).SetSpent(spentNanos);
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Sweep(now.UtcTicks));

    public ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_marks.TryAdd((budgetId, windowKey, marker), 0));

    public ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Volatile.Read(ref _emergency));

    public ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Interlocked.CompareExchange(ref _emergency, state, null) is null);

    public ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Interlocked.Exchange(ref _emergency, null) is not null);

    /// <summary>The cell of one counter; stable for the store's lifetime, so the gate caches it per window.</summary>
    internal BudgetCounterCell Counter(string budgetId, string windowKey) =>
        _counters.GetOrAdd(new CounterKey(budgetId, windowKey), static _ => new BudgetCounterCell());

    /// <summary>Remembers a hold the gate took directly on counter cells, so it is reclaimed if never settled.</summary>
    internal void Track(LocalHold hold)
    {
        _gateHolds.Add(hold);
        InterlockedMin(ref _nextSweepTicks, hold.ExpiresTicks);
    }

    /// <summary>Settles a hold the gate took directly; false when it was already settled.</summary>
    internal bool SettleTracked(LocalHold hold, long uniformActual, long[]? actual)
    {
        var state = hold.Finish();
        if (state == LocalHold.Settled)
        {
            return false;
        }

        if (state == LocalHold.Active)
        {
            _gateHolds.Remove(hold);
        }

        var counters = hold.Counters;
        for (var i = 0; i < counters.Length; i++)
        {
            counters[i].Commit(state == LocalHold.Active ? hold.Amount(i) : 0, actual is null ? uniformActual : actual[i]);
        }

        return true;
    }

    /// <summary>Holds taken by the gate on counter cells and not yet settled or reclaimed.</summary>
    internal int LiveGateHolds => _gateHolds.Count;

    internal void SweepIfDue(long nowTicks)
    {
        if (nowTicks >= Volatile.Read(ref _nextSweepTicks))
        {
            Sweep(nowTicks);
        }
    }

    private int Sweep(long nowTicks)
    {
        var reclaimed = 0;
        lock (_sweepLock)
        {
            Volatile.Write(ref _nextSweepTicks, long.MaxValue);
            var pruneBefore = nowTicks - TimeSpan.TicksPerDay;
            foreach (var (id, hold) in _holds)
            {
                if (hold.ExpiresTicks > nowTicks)
                {
                    if (hold.State == LocalHold.Active)
                    {
                        InterlockedMin(ref _nextSweepTicks, hold.ExpiresTicks);
                    }

                    continue;
                }

                if (hold.TryExpire())
                {
                    reclaimed++;
                }
                else if (hold.ExpiresTicks < pruneBefore)
                {
                    // An expired hold nobody settled within a day: its owner is gone.
                    _holds.TryRemove(id, out _);
                }
            }

            reclaimed += _gateHolds.Sweep(nowTicks, out var next);
            InterlockedMin(ref _nextSweepTicks, next);
        }

        return reclaimed;
    }

    private static void InterlockedMin(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private readonly record struct CounterKey(string BudgetId, string WindowKey);
}
