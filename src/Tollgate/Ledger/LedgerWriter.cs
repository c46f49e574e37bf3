using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tollgate.Ledger;

/// <summary>
/// Writes ledger records off the request path: records go into a bounded channel and one background loop stores
/// them in batches. Two ways in:
/// <list type="bullet">
/// <item><see cref="EnqueueAsync"/> — the hot path: completes as soon as the record is queued (it waits only when
/// the queue is full: back-pressure, never a drop). The record is durable once the store append of its batch
/// completes; a process crash before that loses it. <see cref="FlushAsync"/> (and disposing) waits until every
/// record queued before it is stored, spooled or — with no spool and a failing store — logged as lost
/// (<see cref="FailedRecords"/>).</item>
/// <item><see cref="AppendAsync"/> — completes only once its record is durable: committed by the store, or, when
/// the store is unreachable, fsync'd into the local <see cref="LedgerSpool"/> (replayed later, idempotently).</item>
/// </list>
/// While only queued records wait, the loop lingers up to <see cref="LedgerWriterOptions.Linger"/> after a wake-up
/// so records arrive in batches. A queued record wakes the loop only when it is idle (the first record after a quiet
/// spell); records queued while it lingers just join the batch, so at any rate the loop wakes at most once per
/// linger period, and is woken by its own thread (<see cref="LedgerWriterPacer"/>), not through the thread pool,
/// whose woken workers spin looking for more work on every wake-up. A durable append, a flush, disposal or a
/// half-full queue (so producers do not run into back-pressure while the loop lingers) cuts the linger short. The
/// queue is a list swapped out whole under a short lock: a record costs the producer one uncontended lock, the loop
/// one per batch. Records appended inside a <see cref="LedgerSession"/> are tagged with it. Dispose the writer: it
/// stores what is queued and ends its thread.
/// </summary>
public sealed class LedgerWriter : IAsyncDisposable
{
    private readonly ILedgerStore _store;
    private readonly LedgerWriterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LedgerSpool? _spool;
    /// <summary>Queued records that end a linger at once: half the capacity.</summary>
    private readonly int _wakeAt;
    private readonly Task _loop;
    private readonly LedgerWriterPacer _pacer;
    private long _nextReplay;
    private long _spooled;
    private long _failed;

    // Guarded by _gate: the queue the producers add to, the loop's wake-up, producers waiting for room.
    private readonly Lock _gate = new();
    private List<PendingAppend> _incoming = [];
    private int _urgent;
    private bool _closed;
    private bool _loopWaiting;
    private bool _lingering;
    private TaskCompletionSource? _roomFreed;

    public LedgerWriter(ILedgerStore store, LedgerWriterOptions? options = null, TimeProvider? timeProvider = null, ILogger<LedgerWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new LedgerWriterOptions();
        _options.Validate();
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _spool = _options.SpoolPath is { } path ? new LedgerSpool(path) : null;
        _wakeAt = Math.Max(1, _options.Capacity / 2);
        _pacer = new LedgerWriterPacer();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Records acknowledged through the spool because the store failed (for metrics and tests).</summary>
    public long SpooledRecords => Interlocked.Read(ref _spooled);

    /// <summary>Batches handed to the store (or spool) so far: records per batch is what the linger buys.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    private long _batches;

    /// <summary>Queued records (<see cref="EnqueueAsync"/>) that neither the store nor a spool took; each was logged.</summary>
    public long FailedRecords => Interlocked.Read(ref _failed);

    /// <summary>
    /// Queues the record (tagged with the current session) without waiting for it to be durable: completes at once
    /// unless the queue is full. Throws <see cref="ArgumentException"/> for a record no store would take and
    /// <see cref="ObjectDisposedException"/> once the writer is disposed.
    /// </summary>
    public ValueTask EnqueueAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        var item = new PendingAppend(Prepare(record), null, null);
        return TryAdd(item, urgent: false) ? ValueTask.CompletedTask : AddWhenRoomAsync(item, urgent: false, cancellationToken);
    }

    /// <summary>Queues the record (tagged with the current session) and completes when it is durable.</summary>
    public async ValueTask AppendAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await AddUrgentAsync(new PendingAppend(Prepare(record), done, null), cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes once every record queued or appended before this call is stored, spooled or (logged) lost.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await AddUrgentAsync(new PendingAppend(null, done, null), cancellationToken);
        }
        catch (ObjectDisposedException)
        {
            // Disposed: the loop drains everything queued before it ends (on the pacer's thread: do not continue there).
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            return;
        }

        await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Offers the spool to the store now (normally done every <see cref="LedgerWriterOptions.ReplayInterval"/>).</summary>
    public async ValueTask<LedgerAppendResult> ReplaySpoolAsync(CancellationToken cancellationToken = default)
    {
        if (_spool is null)
        {
            return default;
        }

        var done = new TaskCompletionSource<LedgerAppendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await AddUrgentAsync(new PendingAppend(null, null, done), cancellationToken);
        return await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops taking records and waits until every queued one is stored (or spooled, or logged as lost).</summary>
    public async ValueTask DisposeAsync()
    {
        bool wake;
        TaskCompletionSource? room;
        lock (_gate)
        {
            _closed = true;
            wake = _loopWaiting;
            _loopWaiting = false;
            room = _roomFreed;
            _roomFreed = null;
        }

        if (wake)
        {
            _pacer.Wake();
        }

        room?.TrySetResult();
        // The loop ends on the pacer's thread: continue on the thread pool, not there.
        await _loop.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        _pacer.Dispose();
    }

    private static UsageRecord Prepare(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (LedgerSession.Current is { } session)
        {
            record = session.Apply(record);
        }

        if (LedgerRecordValidator.Problem(record) is { } problem)
        {
            throw new ArgumentException(problem, nameof(record));
        }

        return record;
    }

    private ValueTask AddUrgentAsync(PendingAppend item, CancellationToken cancellationToken) =>
        TryAdd(item, urgent: true) ? ValueTask.CompletedTask : AddWhenRoomAsync(item, urgent: true, cancellationToken);

    /// <summary>Adds the item when there is room (waking the loop when it is idle, or lingers and this ends the linger); false when full.</summary>
    private bool TryAdd(PendingAppend item, bool urgent)
    {
        var wake = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_incoming.Count >= _options.Capacity)
            {
                return false;
            }

            _incoming.Add(item);
            if (urgent)
            {
                _urgent++;
            }

            if (_loopWaiting && (!_lingering || urgent || _incoming.Count >= _wakeAt))
            {
                wake = true;
                _loopWaiting = false;
            }
        }

        if (wake)
        {
            _pacer.Wake();
        }

        return true;
    }

    /// <summary>Back-pressure: waits until the loop takes the queue, then adds (never drops).</summary>
    private async ValueTask AddWhenRoomAsync(PendingAppend item, bool urgent, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task room;
            var wake = false;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_closed, this);
                if (_incoming.Count < _options.Capacity)
                {
                    room = Task.CompletedTask;
                }
                else
                {
                    room = (_roomFreed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                    // A full queue must not wait out a linger.
                    wake = _loopWaiting;
                    _loopWaiting = false;
                }
            }

            if (wake)
            {
                _pacer.Wake();
            }

            if (room.IsCompleted && TryAdd(item, urgent))
            {
                return;
            }

            await room.WaitAsync(cancellationToken);
        }
    }

    private async Task RunAsync()
    {
        var draining = new List<PendingAppend>();
        var records = new List<UsageRecord>(Math.Min(_options.MaxBatchSize, 4096));
        var waiters = new List<TaskCompletionSource>();
        while (true)
        {
            if (!await WaitForItemsAsync())
            {
                break;
            }

            await LingerAsync();
            TaskCompletionSource? room;
            lock (_gate)
            {
                (_incoming, draining) = (draining, _incoming);
                _urgent = 0;
                room = _roomFreed;
                _roomFreed = null;
            }

            room?.TrySetResult();
            foreach (var item in draining)
            {
                if (item.Replay is { } replay)
                {
                    await FlushBatchAsync(records, waiters);
                    replay.TrySetResult(await TryReplayAsync(force: true));
                }
                else if (item.Record is null)
                {
                    // A flush marker: everything queued before it is in this batch.
                    await FlushBatchAsync(records, waiters);
                    item.Done!.TrySetResult();
                }
                else
                {
                    records.Add(item.Record);
                    if (item.Done is not null)
                    {
                        waiters.Add(item.Done);
                    }

                    if (records.Count >= _options.MaxBatchSize)
                    {
                        await FlushBatchAsync(records, waiters);
                    }
                }
            }

            draining.Clear();
            await TryReplayAsync(force: false);
            await FlushBatchAsync(records, waiters);
        }

        // Last chance to hand spooled records over before the process goes away; harmless when it fails.
        await TryReplayAsync(force: false);
    }

    /// <summary>
    /// Waits until something is queued (true) or the writer is closed with nothing left (false). With a spool to
    /// replay it also wakes every <see cref="LedgerWriterOptions.ReplayInterval"/> to offer it to the store again.
    /// </summary>
    private async Task<bool> WaitForItemsAsync()
    {
        while (true)
        {
            lock (_gate)
            {
                if (_incoming.Count > 0)
                {
                    return true;
                }

                if (_closed)
                {
                    return false;
                }

                _loopWaiting = true;
                _lingering = false;
            }

            var wait = _pacer.WaitAsync(Timeout.InfiniteTimeSpan);
            if (_spool is null || !_spool.HasPending)
            {
                await wait;
                continue;
            }

            using var cancel = new CancellationTokenSource();
            var timer = Task.Delay(_options.ReplayInterval, _time, cancel.Token);
            if (await Task.WhenAny(wait, timer) == timer)
            {
                await TryReplayAsync(force: false);
            }

            await cancel.CancelAsync();
        }
    }

    /// <summary>Lets a batch build up while nobody waits on the queue (see <see cref="LedgerWriterOptions.Linger"/>).</summary>
    private async Task LingerAsync()
    {
        if (_options.Linger <= TimeSpan.Zero)
        {
            return;
        }

        lock (_gate)
        {
            if (_closed || _urgent > 0 || _incoming.Count >= _wakeAt)
            {
                return;
            }

            _loopWaiting = true;
            _lingering = true;
        }

        // A coalescing delay, not business time: it runs on the real clock even when a test clock is injected.
        await _pacer.WaitAsync(_options.Linger);
        lock (_gate)
        {
            _loopWaiting = false;
            _lingering = false;
        }
    }

    /// <summary>Stores the batch (or spools it), completes its waiters and empties both lists.</summary>
    private async Task FlushBatchAsync(List<UsageRecord> records, List<TaskCompletionSource> waiters)
    {
        if (records.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref _batches);
        try
        {
            await StoreAsync(records, waiters);
        }
        finally
        {
            records.Clear();
            waiters.Clear();
        }
    }

    private async Task StoreAsync(List<UsageRecord> records, List<TaskCompletionSource> waiters)
    {
        try
        {
            await _store.AppendAsync(records);
            Complete(waiters, null);
            return;
        }
        catch (Exception ex) when (_spool is not null)
        {
            _logger.LogWarning(ex, "Ledger store unavailable; spooling {Count} records to {Path}", records.Count, _spool.Path);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Ledger store failed to write {Count} records and no spool is configured", records.Count);
            Fail(records, waiters, ex);
            return;
        }

        try
        {
            await _spool.AppendAsync(records);
            Interlocked.Add(ref _spooled, records.Count);
            _nextReplay = _time.GetTimestamp() + (long)(_options.ReplayInterval.TotalSeconds * _time.TimestampFrequency);
            Complete(waiters, null);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Ledger spool {Path} failed; {Count} records were not stored", _spool.Path, records.Count);
            Fail(records, waiters, ex);
        }
    }

    private void Fail(List<UsageRecord> records, List<TaskCompletionSource> waiters, Exception error)
    {
        // Durable appends get the error; queued records have no one to tell, so they are counted (and were logged).
        Interlocked.Add(ref _failed, records.Count - waiters.Count);
        Complete(waiters, error);
    }

    private async Task<LedgerAppendResult> TryReplayAsync(bool force)
    {
        if (_spool is null || !_spool.HasPending || (!force && _time.GetTimestamp() < _nextReplay))
        {
            return default;
        }

        try
        {
            var result = await _spool.ReplayAsync(_store);
            _logger.LogInformation("Replayed ledger spool: {Inserted} stored, {Duplicates} already present", result.Inserted, result.Duplicates);
            return result;
        }
        catch (Exception ex)
        {
            _nextReplay = _time.GetTimestamp() + (long)(_options.ReplayInterval.TotalSeconds * _time.TimestampFrequency);
            _logger.LogWarning(ex, "Ledger store still unavailable; spool kept at {Path}", _spool.Path);
            return default;
        }
    }

    private static void Complete(List<TaskCompletionSource> waiters, Exception? error)
    {
        foreach (var done in waiters)
        {
            if (error is null)
            {
                done.TrySetResult();
            }
            else
            {
                done.TrySetException(error);
            }
        }
    }

    /// <summary>A queued record (Done set when someone waits for it to be durable), a flush marker (no record), or a replay request.</summary>
    private readonly record struct PendingAppend(UsageRecord? Record, TaskCompletionSource? Done, TaskCompletionSource<LedgerAppendResult>? Replay);
}
