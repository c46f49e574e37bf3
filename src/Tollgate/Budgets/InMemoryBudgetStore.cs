using System.Collections.Concurrent;

namespace Tollgate.Budgets;

/// <summary>
/// Budget counters in process memory: one small lock per counter (locks taken in a fixed order for
/// multi-budget holds, so all-or-nothing without deadlocks), holds in a concurrent map. For one process;
/// several gateway instances share Redis or PostgreSQL instead.
/// </summary>
public sealed class InMemoryBudgetStore : IBudgetStore
{
    private readonly ConcurrentDictionary<CounterKey, Counter> _counters = new();
    private readonly ConcurrentDictionary<string, HoldEntry> _holds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string, string, string), byte> _marks = new();
    private readonly Lock _sweepLock = new();
    private long _nextSweepTicks = long.MaxValue;
    private long _counterOrder;
    private EmergencyState? _emergency;

    public ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default)
    {
        var nowTicks = request.Now.UtcTicks;
        if (nowTicks >= Volatile.Read(ref _nextSweepTicks))
        {
            Sweep(nowTicks);
        }

        var lines = request.Lines;
        HoldOutcome outcome;
        Counter[] counters;
        if (lines.Count == 1 && lines[0].PastWindowKeys.Count == 0)
        {
            var line = lines[0];
            var counter = GetCounter(line.BudgetId, line.WindowKey);
            counters = [counter];
            outcome = HoldSingle(counter, line);
        }
        else
        {
            counters = new Counter[lines.Count];
            outcome = NoPastKeys(lines) ? HoldFew(lines, counters) : HoldMany(lines, counters);
        }

        if (outcome.Held)
        {
            var amounts = new long[lines.Count];
            for (var i = 0; i < amounts.Length; i++)
            {
                amounts[i] = lines[i].AmountNanos;
            }

            var expires = request.ExpiresAt.UtcTicks;
            if (!_holds.TryAdd(request.ReservationId, new HoldEntry(counters, amounts, expires, request.ExpireAsSpent)))
            {
                // A reused reservation id would make one settle release two holds: undo and refuse loudly.
                Release(counters, amounts);
                throw new InvalidOperationException($"reservation id '{request.ReservationId}' is already in use");
            }

            InterlockedMin(ref _nextSweepTicks, expires);
        }

        return ValueTask.FromResult(outcome);
    }

    public ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (!_holds.TryRemove(reservationId, out var hold))
        {
            return ValueTask.FromResult(false);
        }

        // Whoever flips the state owns releasing the held amount: settle (here) or the expiry sweep.
        var stillHeld = Interlocked.CompareExchange(ref hold.State, HoldEntry.Settled, HoldEntry.Active) == HoldEntry.Active;
        for (var i = 0; i < hold.Counters.Length; i++)
        {
            var counter = hold.Counters[i];
            lock (counter.Gate)
            {
                if (stillHeld)
                {
                    counter.Held -= hold.Amounts[i];
                }

                counter.Spent += actualNanos[i];
            }
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (now.UtcTicks >= Volatile.Read(ref _nextSweepTicks))
        {
            Sweep(now.UtcTicks);
        }

        if (!_counters.TryGetValue(new CounterKey(budgetId, windowKey), out var counter))
        {
            return ValueTask.FromResult(default(BudgetCounter));
        }

        lock (counter.Gate)
        {
            return ValueTask.FromResult(new BudgetCounter(counter.Spent, counter.Held));
        }
    }

    public ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spentNanos);
        var counter = GetCounter(budgetId, windowKey);
        lock (counter.Gate)
        {
            counter.Spent = spentNanos;
        }

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

    private static HoldOutcome HoldSingle(Counter counter, HoldLine line)
    {
        lock (counter.Gate)
        {
            var total = counter.Spent + counter.Held;
            var over = total + line.AmountNanos > line.LimitNanos;
            if (over && line.Enforced)
            {
                return HoldOutcome.Refused(0, counter.Spent, counter.Held);
            }

            counter.Held += line.AmountNanos;
            return HoldOutcome.Success(over ? 1UL : 0UL);
        }
    }

    private static bool NoPastKeys(IReadOnlyList<HoldLine> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].PastWindowKeys.Count != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Calendar windows only (the common case): no lists, locks ordered by insertion sort.</summary>
    private HoldOutcome HoldFew(IReadOnlyList<HoldLine> lines, Counter[] counters)
    {
        var n = lines.Count;
        for (var i = 0; i < n; i++)
        {
            counters[i] = GetCounter(lines[i].BudgetId, lines[i].WindowKey);
        }

        var order = (Counter[])counters.Clone();
        for (var i = 1; i < n; i++)
        {
            var c = order[i];
            var j = i - 1;
            while (j >= 0 && order[j].Order > c.Order)
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = c;
        }

        for (var i = 0; i < n; i++)
        {
            if (i == 0 || !ReferenceEquals(order[i], order[i - 1]))
            {
                order[i].Gate.Enter();
            }
        }

        try
        {
            ulong overMask = 0;
            for (var i = 0; i < n; i++)
            {
                var held = counters[i].Held;
                for (var j = 0; j < i; j++)
                {
                    if (ReferenceEquals(counters[j], counters[i]))
                    {
                        held += lines[j].AmountNanos;
                    }
                }

                var over = counters[i].Spent + held + lines[i].AmountNanos > lines[i].LimitNanos;
                if (over && lines[i].Enforced)
                {
                    return HoldOutcome.Refused(i, counters[i].Spent, held);
                }

                if (over && i < 64)
                {
                    overMask |= 1UL << i;
                }
            }

            for (var i = 0; i < n; i++)
            {
                counters[i].Held += lines[i].AmountNanos;
            }

            return HoldOutcome.Success(overMask);
        }
        finally
        {
            for (var i = 0; i < n; i++)
            {
                if (i == 0 || !ReferenceEquals(order[i], order[i - 1]))
                {
                    order[i].Gate.Exit();
                }
            }
        }
    }

    private HoldOutcome HoldMany(IReadOnlyList<HoldLine> lines, Counter[] counters)
    {
        // Every counter a line reads or writes, locked in one global order.
        var involved = new List<Counter>(lines.Count * 2);
        var past = new Counter[lines.Count][];
        for (var i = 0; i < lines.Count; i++)
        {
            counters[i] = GetCounter(lines[i].BudgetId, lines[i].WindowKey);
            involved.Add(counters[i]);
            var keys = lines[i].PastWindowKeys;
            past[i] = new Counter[keys.Count];
            for (var k = 0; k < keys.Count; k++)
            {
                past[i][k] = GetCounter(lines[i].BudgetId, keys[k]);
                involved.Add(past[i][k]);
            }
        }

        involved.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        var locked = 0;
        try
        {
            Counter? previous = null;
            foreach (var c in involved)
            {
                if (!ReferenceEquals(c, previous))
                {
                    c.Gate.Enter();
                    locked++;
                }

                previous = c;
            }

            ulong overMask = 0;
            for (var i = 0; i < lines.Count; i++)
            {
                var spent = counters[i].Spent;
                var held = counters[i].Held;
                foreach (var p in past[i])
                {
                    spent += p.Spent;
                    held += p.Held;
                }

                // Lines of the same counter in one request add up.
                for (var j = 0; j < i; j++)
                {
                    if (ReferenceEquals(counters[j], counters[i]))
                    {
                        held += lines[j].AmountNanos;
                    }
                }

                var over = spent + held + lines[i].AmountNanos > lines[i].LimitNanos;
                if (over && lines[i].Enforced)
                {
                    return HoldOutcome.Refused(i, spent, held);
                }

                if (over && i < 64)
                {
                    overMask |= 1UL << i;
                }
            }

            for (var i = 0; i < lines.Count; i++)
            {
                counters[i].Held += lines[i].AmountNanos;
            }

            return HoldOutcome.Success(overMask);
        }
        finally
        {
            Counter? previous = null;
            foreach (var c in involved)
            {
                if (locked == 0)
                {
                    break;
                }

                if (!ReferenceEquals(c, previous))
                {
                    c.Gate.Exit();
                    locked--;
                }

                previous = c;
            }
        }
    }

    private static void Release(Counter[] counters, long[] amounts, bool asSpent = false)
    {
        for (var i = 0; i < counters.Length; i++)
        {
            lock (counters[i].Gate)
            {
                counters[i].Held -= amounts[i];
                if (asSpent)
                {
                    counters[i].Spent += amounts[i];
                }
            }
        }
    }

    private Counter GetCounter(string budgetId, string windowKey) =>
        _counters.GetOrAdd(new CounterKey(budgetId, windowKey), static (_, self) => new Counter(Interlocked.Increment(ref self._counterOrder)), this);

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
                    if (hold.State == HoldEntry.Active)
                    {
                        InterlockedMin(ref _nextSweepTicks, hold.ExpiresTicks);
                    }

                    continue;
                }

                if (Interlocked.CompareExchange(ref hold.State, HoldEntry.Expired, HoldEntry.Active) == HoldEntry.Active)
                {
                    Release(hold.Counters, hold.Amounts, hold.ExpireAsSpent);
                    reclaimed++;
                }
                else if (hold.ExpiresTicks < pruneBefore)
                {
                    // An expired hold nobody settled within a day: its owner is gone.
                    _holds.TryRemove(id, out _);
                }
            }
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

    private sealed class Counter(long order)
    {
        public readonly Lock Gate = new();
        public readonly long Order = order;
        public long Spent;
        public long Held;
    }

    private sealed class HoldEntry(Counter[] counters, long[] amounts, long expiresTicks, bool expireAsSpent)
    {
        public readonly bool ExpireAsSpent = expireAsSpent;
        public const int Active = 0;
        public const int Expired = 1;
        public const int Settled = 2;

        public readonly Counter[] Counters = counters;
        public readonly long[] Amounts = amounts;
        public readonly long ExpiresTicks = expiresTicks;
        public int State;
    }
}
