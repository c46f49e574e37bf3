using System.Threading.Channels;
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
/// so records arrive in large batches (one store call and one wake-up per batch rather than per record); a durable
/// append, a flush, a full batch or disposal cuts the linger short.
/// Records appended inside a <see cref="LedgerSession"/> are tagged with it.
/// </summary>
public sealed class LedgerWriter : IAsyncDisposable
{
    private readonly ILedgerStore _store;
    private readonly LedgerWriterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingAppend> _channel;
    private readonly LedgerSpool? _spool;
    private readonly Task _loop;
    private long _nextReplay;
    private long _spooled;
    private long _failed;

    // Items in the channel someone is waiting on (durable appends, flushes, replays): no lingering while any is queued.
    private int _urgent;
    private volatile bool _completing;
    private TaskCompletionSource? _lingerWake;

    public LedgerWriter(ILedgerStore store, LedgerWriterOptions? options = null, TimeProvider? timeProvider = null, ILogger<LedgerWriter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _options = options ?? new LedgerWriterOptions();
        _options.Validate();
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _spool = _options.SpoolPath is { } path ? new LedgerSpool(path) : null;
        _channel = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(_options.Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Records acknowledged through the spool because the store failed (for metrics and tests).</summary>
    public long SpooledRecords => Interlocked.Read(ref _spooled);

    /// <summary>Queued records (<see cref="EnqueueAsync"/>) that neither the store nor a spool took; each was logged.</summary>
    public long FailedRecords => Interlocked.Read(ref _failed);

    /// <summary>
    /// Queues the record (tagged with the current session) without waiting for it to be durable: completes at once
    /// unless the queue is full. Throws <see cref="ArgumentException"/> for a record no store would take.
    /// </summary>
    public ValueTask EnqueueAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        var item = new PendingAppend(Prepare(record), null, null);
        if (_channel.Writer.TryWrite(item))
        {
            return ValueTask.CompletedTask;
        }

        // Full: the loop must not linger while producers wait on it.
        Nudge();
        return _channel.Writer.WriteAsync(item, cancellationToken);
    }

    /// <summary>Queues the record (tagged with the current session) and completes when it is durable.</summary>
    public async ValueTask AppendAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await WriteUrgentAsync(new PendingAppend(Prepare(record), done, null), cancellationToken);
        await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes once every record queued or appended before this call is stored, spooled or (logged) lost.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await WriteUrgentAsync(new PendingAppend(null, done, null), cancellationToken);
        }
        catch (ChannelClosedException)
        {
            // Disposed: the loop drains everything queued before it ends.
            await _loop.WaitAsync(cancellationToken);
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
        await WriteUrgentAsync(new PendingAppend(null, null, done), cancellationToken);
        return await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops taking records and waits until every queued one is stored (or spooled, or logged as lost).</summary>
    public async ValueTask DisposeAsync()
    {
        _completing = true;
        _channel.Writer.TryComplete();
        Nudge();
        await _loop;
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

    private async ValueTask WriteUrgentAsync(PendingAppend item, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _urgent);
        try
        {
            await _channel.Writer.WriteAsync(item, cancellationToken);
        }
        catch
        {
            Interlocked.Decrement(ref _urgent);
            throw;
        }

        Nudge();
    }

    private void Nudge() => Volatile.Read(ref _lingerWake)?.TrySetResult();

    private async Task RunAsync()
    {
        var records = new List<UsageRecord>(_options.MaxBatchSize);
        var waiters = new List<TaskCompletionSource>();
        var reader = _channel.Reader;
        while (true)
        {
            var hasData = await WaitAsync(reader);
            if (!hasData && reader.Completion.IsCompleted)
            {
                break;
            }

            if (hasData)
            {
                await LingerAsync(reader);
            }

            while (records.Count < _options.MaxBatchSize && reader.TryRead(out var item))
            {
                if (item.Done is not null)
                {
                    Interlocked.Decrement(ref _urgent);
                }

                if (item.Replay is { } replay)
                {
                    Interlocked.Decrement(ref _urgent);
                    await FlushBatchAsync(records, waiters);
                    replay.TrySetResult(await TryReplayAsync(force: true));
                    continue;
                }

                if (item.Record is null)
                {
                    // A flush marker: everything queued before it is in this batch.
                    await FlushBatchAsync(records, waiters);
                    item.Done!.TrySetResult();
                    continue;
                }

                records.Add(item.Record);
                if (item.Done is not null)
                {
                    waiters.Add(item.Done);
                }
            }

            await TryReplayAsync(force: false);
            await FlushBatchAsync(records, waiters);
        }

        // Last chance to hand spooled records over before the process goes away; harmless when it fails.
        await TryReplayAsync(force: false);
    }

    /// <summary>Lets a batch build up while nobody waits on the queue (see <see cref="LedgerWriterOptions.Linger"/>).</summary>
    private async Task LingerAsync(ChannelReader<PendingAppend> reader)
    {
        if (_options.Linger <= TimeSpan.Zero || _completing || Volatile.Read(ref _urgent) > 0 || reader.Count >= _options.MaxBatchSize)
        {
            return;
        }

        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _lingerWake, wake);
        // Re-checked after publishing the wake: a nudge that came before it would otherwise be missed.
        if (!_completing && Volatile.Read(ref _urgent) == 0)
        {
            // A coalescing delay, not business time: it runs on the real clock even when a test clock is injected.
            await Task.WhenAny(Task.Delay(_options.Linger, TimeProvider.System), wake.Task);
        }

        Volatile.Write(ref _lingerWake, null);
    }

    private async Task<bool> WaitAsync(ChannelReader<PendingAppend> reader)
    {
        if (_spool is null || !_spool.HasPending)
        {
            return await reader.WaitToReadAsync();
        }

        using var delay = new CancellationTokenSource();
        var wait = reader.WaitToReadAsync(delay.Token).AsTask();
        var timer = Task.Delay(_options.ReplayInterval, _time, delay.Token);
        var first = await Task.WhenAny(wait, timer);
        await delay.CancelAsync();
        if (first == wait)
        {
            return await wait;
        }

        try
        {
            await wait;
        }
        catch (OperationCanceledException)
        {
        }

        return reader.TryPeek(out _);
    }

    /// <summary>Stores the batch (or spools it), completes its waiters and empties both lists.</summary>
    private async Task FlushBatchAsync(List<UsageRecord> records, List<TaskCompletionSource> waiters)
    {
        if (records.Count == 0)
        {
            return;
        }

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
