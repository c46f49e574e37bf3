using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace Tollgate.Budgets;

/// <summary>
/// Keeps the hot path local across instances: the instance holds a <em>lease</em> (an ordinary hold of
/// <see cref="LeasedBudgetStoreOptions.LeaseNanos"/>) on each budget in the shared store and serves
/// reservations from it in memory. Since a lease is a hold, the shared invariant spent + held (leases
/// included) ≤ limit still bounds every instance together. A lease is retired and settled to what was really
/// spent from it after <see cref="LeasedBudgetStoreOptions.FlushInterval"/> (or when it runs dry and its
/// reservations have settled); a request that no lease can serve goes to the shared store exactly, so a
/// request is refused only when the shared store refuses it. Lease holds expire as spent: an instance that
/// dies takes its unflushed spending with it but never hands back budget that may have been used.
/// Trade-off: unused lease room is unavailable to other instances until flushed (at most one lease per
/// instance per budget window). Lease takes are single-flight per budget window (requests that find the lease dry
/// wait for the one take in flight), a lease below half is replaced in the background, and a lease the shared
/// store refused is not asked for again within a flush interval.
/// </summary>
public sealed class LeasedBudgetStore : IBudgetStore, ISharedEmergencyThrottle, IAsyncDisposable
{
    private readonly IBudgetStore _inner;
    private readonly LeasedBudgetStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, string), Slot> _slots = [];
    private readonly ConcurrentDictionary<string, LocalHold> _local = new(StringComparer.Ordinal);
    private readonly string _prefix = "lease-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + "-";
    private readonly ITimer _timer;
    private long _sequence;

    public LeasedBudgetStore(IBudgetStore inner, LeasedBudgetStoreOptions? options = null)
    {
        _inner = inner;
        _options = options ?? new LeasedBudgetStoreOptions();
        _options.Validate();
        _time = _options.TimeProvider;
        _timer = _time.CreateTimer(static s => _ = ((LeasedBudgetStore)s!).FlushAsync(), this, _options.FlushInterval, _options.FlushInterval);
    }

    public ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default)
    {
        var lines = request.Lines;
        if (lines.Count == 0 || request.ExpireAsSpent || !Leasable(lines))
        {
            return _inner.TryHoldAsync(request, cancellationToken);
        }

        return TryHoldLocal(request) ? ValueTask.FromResult(HoldOutcome.Success()) : TryHoldWithLeaseAsync(request, cancellationToken);
    }

    private async ValueTask<HoldOutcome> TryHoldWithLeaseAsync(HoldRequest request, CancellationToken cancellationToken)
    {
        var lines = request.Lines;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                // One lease take per budget window at a time: concurrent requests that miss wait for the same one.
                if (!await EnsureLeaseAsync(lines[i], lines[i].AmountNanos, topUp: false, request.Now, cancellationToken))
                {
                    // No room for a whole lease: let the shared store decide this request exactly.
                    return await _inner.TryHoldAsync(request, cancellationToken);
                }
            }

            if (TryHoldLocal(request))
            {
                return HoldOutcome.Success();
            }
        }

        return await _inner.TryHoldAsync(request, cancellationToken);
    }

    /// <summary>Serves the request from the current leases if every line fits; starts a background top-up of a lease running low.</summary>
    private bool TryHoldLocal(HoldRequest request)
    {
        var lines = request.Lines;
        HoldLine? topUp = null;
        HoldLine? topUp2 = null;
        lock (_lock)
        {
            var chunks = new Chunk[lines.Count];
            for (var i = 0; i < lines.Count; i++)
            {
                var line = lines[i];
                var chunk = _slots.TryGetValue((line.BudgetId, line.WindowKey), out var slot) ? slot.Current : null;
                if (chunk is null || chunk.Line.LimitNanos != line.LimitNanos || chunk.Remaining < line.AmountNanos + Pending(chunks, chunk, lines, i))
                {
                    return false;
                }

                chunks[i] = chunk;
            }

            var amounts = new long[lines.Count];
            for (var i = 0; i < lines.Count; i++)
            {
                var chunk = chunks[i];
                amounts[i] = lines[i].AmountNanos;
                chunk.Remaining -= amounts[i];
                chunk.InFlight += amounts[i];
                if (chunk.Remaining < chunk.Line.AmountNanos / 2 && !chunk.ToppingUp)
                {
                    chunk.ToppingUp = true;
                    if (topUp is null)
                    {
                        topUp = chunk.Line;
                    }
                    else
                    {
                        topUp2 = chunk.Line;
                    }
                }
            }

            _local[request.ReservationId] = new LocalHold(chunks, amounts);
        }

        if (topUp is not null)
        {
            StartTopUp(topUp, request.Now);
        }

        if (topUp2 is not null)
        {
            StartTopUp(topUp2, request.Now);
        }

        return true;
    }

    private void StartTopUp(HoldLine leaseLine, DateTimeOffset now) => _ = TopUpAsync(leaseLine, now);

    private async Task TopUpAsync(HoldLine leaseLine, DateTimeOffset now)
    {
        try
        {
            // Runs inline up to the shared-store call, so the request for the next lease leaves at once.
            await EnsureLeaseAsync(leaseLine, 0, topUp: true, now, CancellationToken.None);
        }
        catch (Exception)
        {
            // Best effort: a request that finds the lease dry takes one itself (and sees the error).
        }
    }

    /// <summary>
    /// Makes sure the slot of <paramref name="line"/> has a lease with <paramref name="need"/> left (or, for a
    /// top-up, a fresh one). Single flight per slot; false when the shared store has no room for a lease
    /// (remembered for a flush interval, so an exhausted budget does not cost a failed lease per request).
    /// </summary>
    private async Task<bool> EnsureLeaseAsync(HoldLine line, long need, bool topUp, DateTimeOffset now, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> refill;
        Slot? slot;
        var key = (line.BudgetId, line.WindowKey);
        lock (_lock)
        {
            if (!_slots.TryGetValue(key, out slot))
            {
                _slots[key] = slot = new Slot();
            }

            if (slot.Refill is { } pending)
            {
                refill = pending;
                slot = null; // wait for the one in flight
            }
            else if (!topUp && slot.Current is { } c && c.Line.LimitNanos == line.LimitNanos && c.Remaining >= need)
            {
                return true;
            }
            else if (now.UtcTicks - slot.FailedTicks < _options.FlushInterval.Ticks)
            {
                return false;
            }
            else
            {
                slot.Refill = refill = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (slot is null)
        {
            return await refill.Task;
        }

        var ok = false;
        try
        {
            ok = await TakeLeaseAsync(line with { AmountNanos = need }, now, cancellationToken);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                slot.Refill = null;
            }

            refill.SetException(ex);
            throw;
        }

        lock (_lock)
        {
            slot.Refill = null;
            if (!ok)
            {
                slot.FailedTicks = now.UtcTicks;
            }
        }

        refill.SetResult(ok);
        return ok;
    }

    private static bool Leasable(IReadOnlyList<HoldLine> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines[i].Enforced || lines[i].PastWindowKeys.Count > 0)
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (!_local.TryRemove(reservationId, out var hold))
        {
            return await _inner.SettleAsync(reservationId, lines, actualNanos, now, cancellationToken);
        }

        List<Chunk>? done = null;
        lock (_lock)
        {
            for (var i = 0; i < hold.Chunks.Length; i++)
            {
                var c = hold.Chunks[i];
                if (c.Settled)
                {
                    continue; // force-settled at its worst case already
                }

                c.InFlight -= hold.Amounts[i];
                c.Spent += actualNanos[i];
                if (!c.Retired)
                {
                    c.Remaining += hold.Amounts[i] - actualNanos[i];
                }
                else if (c.InFlight == 0)
                {
                    c.Settled = true;
                    (done ??= []).Add(c);
                }
            }
        }

        if (done is not null)
        {
            foreach (var c in done)
            {
                await SettleChunkAsync(c, c.Spent, cancellationToken);
            }
        }

        return true;
    }

    /// <summary>Retires leases older than the flush interval and writes their spending to the shared store.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        var toSettle = new List<(Chunk Chunk, long Spent)>();
        lock (_lock)
        {
            foreach (var slot in _slots.Values)
            {
                if (slot.Current is { } c && now - c.TakenAt >= _options.FlushInterval)
                {
                    Retire(slot, c, toSettle);
                }

                foreach (var old in slot.Retiring.ToList())
                {
                    // A reservation never settled locally: before the lease hold lapses, count it at its worst case.
                    if (!old.Settled && now - old.TakenAt >= _options.LeaseTtl * 0.8)
                    {
                        old.Settled = true;
                        toSettle.Add((old, old.Spent + old.InFlight));
                    }

                    if (old.Settled)
                    {
                        slot.Retiring.Remove(old);
                    }
                }
            }
        }

        foreach (var (chunk, spent) in toSettle)
        {
            await SettleChunkAsync(chunk, spent, cancellationToken);
        }
    }

    public ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _inner.GetCounterAsync(budgetId, windowKey, now, cancellationToken);

    public ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default) =>
        _inner.SetSpentAsync(budgetId, windowKey, spentNanos, cancellationToken);

    public ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => _inner.ReclaimExpiredAsync(now, cancellationToken);

    public ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default) =>
        _inner.TryMarkOnceAsync(budgetId, windowKey, marker, cancellationToken);

    public ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default) => _inner.GetEmergencyAsync(cancellationToken);

    public ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default) => _inner.TryStartEmergencyAsync(state, cancellationToken);

    public ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default) => _inner.ResetEmergencyAsync(cancellationToken);

    public ValueTask<bool?> TryTakeEmergencySlotAsync(long minute, int perMinute, CancellationToken cancellationToken = default) =>
        _inner is ISharedEmergencyThrottle shared ? shared.TryTakeEmergencySlotAsync(minute, perMinute, cancellationToken) : ValueTask.FromResult<bool?>(null);

    /// <summary>Retires every lease and settles those with nothing in flight (graceful shutdown).</summary>
    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync();
        var toSettle = new List<(Chunk Chunk, long Spent)>();
        lock (_lock)
        {
            foreach (var slot in _slots.Values)
            {
                if (slot.Current is { } c)
                {
                    Retire(slot, c, toSettle);
                }
            }
        }

        foreach (var (chunk, spent) in toSettle)
        {
            await SettleChunkAsync(chunk, spent, CancellationToken.None);
        }
    }

    private static long Pending(Chunk[] chosen, Chunk chunk, IReadOnlyList<HoldLine> lines, int upTo)
    {
        long sum = 0;
        for (var j = 0; j < upTo; j++)
        {
            if (ReferenceEquals(chosen[j], chunk))
            {
                sum += lines[j].AmountNanos;
            }
        }

        return sum;
    }

    private static void Retire(Slot slot, Chunk c, List<(Chunk, long)> toSettle)
    {
        c.Retired = true;
        slot.Current = null;
        if (c.InFlight == 0)
        {
            c.Settled = true;
            toSettle.Add((c, c.Spent));
        }
        else
        {
            slot.Retiring.Add(c);
        }
    }

    private async Task<bool> TakeLeaseAsync(HoldLine line, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var amount = Math.Max(_options.LeaseNanos, line.AmountNanos);
        var id = _prefix + Interlocked.Increment(ref _sequence).ToString("x", CultureInfo.InvariantCulture);
        var leaseLine = line with { AmountNanos = amount };
        var outcome = await _inner.TryHoldAsync(new HoldRequest(id, [leaseLine], now, now + _options.LeaseTtl) { ExpireAsSpent = true }, cancellationToken);
        if (!outcome.Held)
        {
            return false;
        }

        var toSettle = new List<(Chunk, long)>();
        lock (_lock)
        {
            var key = (line.BudgetId, line.WindowKey);
            if (!_slots.TryGetValue(key, out var slot))
            {
                _slots[key] = slot = new Slot();
            }

            if (slot.Current is { } old)
            {
                Retire(slot, old, toSettle);
            }

            slot.Current = new Chunk(id, leaseLine, _time.GetUtcNow()) { Remaining = amount };
        }

        foreach (var (chunk, spent) in toSettle)
        {
            await SettleChunkAsync(chunk, spent, cancellationToken);
        }

        return true;
    }

    private async Task SettleChunkAsync(Chunk chunk, long spent, CancellationToken cancellationToken) =>
        await _inner.SettleAsync(chunk.Id, [chunk.Line], [spent], _time.GetUtcNow(), cancellationToken);

    private sealed class Slot
    {
        public Chunk? Current;
        public TaskCompletionSource<bool>? Refill;
        public long FailedTicks = long.MinValue / 2;
        public readonly List<Chunk> Retiring = [];
    }

    private sealed class Chunk(string id, HoldLine line, DateTimeOffset takenAt)
    {
        public readonly string Id = id;
        public readonly HoldLine Line = line;
        public readonly DateTimeOffset TakenAt = takenAt;
        public long Remaining;
        public long InFlight;
        public long Spent;
        public bool Retired;
        public bool Settled;
        public bool ToppingUp;
    }

    private sealed record LocalHold(Chunk[] Chunks, long[] Amounts);
}
