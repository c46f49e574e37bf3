using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tollgate.Budgets;

namespace Tollgate.Hosting;

/// <summary>
/// Budget counters for a single process (the one holding the counter lock, see <see cref="CounterOwnership"/>) on the embedded SQLite store: holds and settlements run against an
/// <see cref="InMemoryBudgetStore"/> (microseconds, no database transaction on the request path), each counter's
/// committed spend is loaded from the durable store the first time it is used and written back to it (set, never added)
/// every <c>flushInterval</c> and on shutdown. Holds live only in memory, so they die with the process, as holds should.
/// Use the durable store directly (or Redis) when several processes share counters: this store is for one process.
/// <see cref="BudgetGate"/> holds and settles on the in-memory cells directly (<see cref="ILocalBudgetCounters"/>), so the
/// flusher finds changed counters by comparing each loaded counter's spend with the value it last wrote.
/// </summary>
internal sealed class WriteBehindBudgetStore : IBudgetStore, ILocalBudgetCounters, IAsyncDisposable
{
    private readonly InMemoryBudgetStore _memory = new();
    private readonly IBudgetStore _durable;
    private readonly TimeProvider _time;
    private readonly ILogger? _logger;
    private readonly ConcurrentDictionary<(string Budget, string Window), Lazy<Task>> _loaded = new();
    /// <summary>The spend last read from or written to the durable store, per loaded counter.</summary>
    private readonly ConcurrentDictionary<(string Budget, string Window), long> _durableSpent = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _flusher;

    public WriteBehindBudgetStore(IBudgetStore durable, TimeProvider time, TimeSpan flushInterval, ILogger? logger = null)
    {
        _durable = durable;
        _time = time;
        _logger = logger;
        _flusher = RunFlusherAsync(flushInterval);
    }

    public async ValueTask<HoldOutcome> TryHoldAsync(HoldRequest request, CancellationToken cancellationToken = default)
    {
        foreach (var line in request.Lines)
        {
            await EnsureLoadedAsync(line.BudgetId, line.WindowKey);
            foreach (var past in line.PastWindowKeys)
            {
                await EnsureLoadedAsync(line.BudgetId, past);
            }
        }

        return await _memory.TryHoldAsync(request, cancellationToken);
    }

    public InMemoryBudgetStore Memory => _memory;

    public ValueTask LoadAsync(string budgetId, string windowKey, CancellationToken cancellationToken) => new(EnsureLoadedAsync(budgetId, windowKey));

    public ValueTask<bool> SettleAsync(string reservationId, IReadOnlyList<HoldLine> lines, IReadOnlyList<long> actualNanos, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _memory.SettleAsync(reservationId, lines, actualNanos, now, cancellationToken);

    public async ValueTask<BudgetCounter> GetCounterAsync(string budgetId, string windowKey, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await EnsureLoadedAsync(budgetId, windowKey);
        return await _memory.GetCounterAsync(budgetId, windowKey, now, cancellationToken);
    }

    public async ValueTask SetSpentAsync(string budgetId, string windowKey, long spentNanos, CancellationToken cancellationToken = default)
    {
        await EnsureLoadedAsync(budgetId, windowKey);
        await _memory.SetSpentAsync(budgetId, windowKey, spentNanos, cancellationToken);
        await _durable.SetSpentAsync(budgetId, windowKey, spentNanos, cancellationToken);
        _durableSpent[(budgetId, windowKey)] = spentNanos;
    }

    public ValueTask<int> ReclaimExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => _memory.ReclaimExpiredAsync(now, cancellationToken);

    public ValueTask<bool> TryMarkOnceAsync(string budgetId, string windowKey, string marker, CancellationToken cancellationToken = default) =>
        _durable.TryMarkOnceAsync(budgetId, windowKey, marker, cancellationToken);

    public ValueTask<EmergencyState?> GetEmergencyAsync(CancellationToken cancellationToken = default) => _durable.GetEmergencyAsync(cancellationToken);

    public ValueTask<bool> TryStartEmergencyAsync(EmergencyState state, CancellationToken cancellationToken = default) => _durable.TryStartEmergencyAsync(state, cancellationToken);

    public ValueTask<bool> ResetEmergencyAsync(CancellationToken cancellationToken = default) => _durable.ResetEmergencyAsync(cancellationToken);

    /// <summary>Writes every changed counter's spend to the durable store now; a failed write is retried by the next flush.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, written) in _durableSpent)
        {
            var spent = Volatile.Read(ref _memory.Counter(key.Budget, key.Window).Spent);
            if (spent != written)
            {
                await _durable.SetSpentAsync(key.Budget, key.Window, spent, cancellationToken);
                _durableSpent[key] = spent;
            }
        }
    }

    private Task EnsureLoadedAsync(string budgetId, string windowKey)
    {
        var load = _loaded.GetOrAdd((budgetId, windowKey), key => new Lazy<Task>(() => LoadAsync(key.Budget, key.Window)));
        return load.Value;
    }

    private async Task LoadAsync(string budgetId, string windowKey)
    {
        var counter = await _durable.GetCounterAsync(budgetId, windowKey, _time.GetUtcNow());
        if (counter.SpentNanos != 0)
        {
            await _memory.SetSpentAsync(budgetId, windowKey, counter.SpentNanos);
        }

        _durableSpent[(budgetId, windowKey)] = counter.SpentNanos;
    }

    private async Task RunFlusherAsync(TimeSpan interval)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(interval, _time, _stop.Token);
                try
                {
                    await FlushAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger?.LogError("budget counters could not be written to the store (will retry): {Error}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _flusher;
        await FlushAsync(CancellationToken.None);
        _stop.Dispose();
    }
}
