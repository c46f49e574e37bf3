using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tollgate.Ledger;

/// <summary>
/// Writes ledger records off the request path: appends go into a bounded channel and a background loop stores them
/// in batches. <see cref="AppendAsync"/> completes only once its record is durable — committed by the store, or,
/// when the store is unreachable, fsync'd into the local <see cref="LedgerSpool"/> (replayed later, idempotently).
/// Records appended inside a <see cref="LedgerSession"/> are tagged with it. Disposing flushes what is queued.
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

    private long _spooled;

    /// <summary>Queues the record (tagged with the current session) and completes when it is durable.</summary>
    public async ValueTask AppendAsync(UsageRecord record, CancellationToken cancellationToken = default)
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

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _channel.Writer.WriteAsync(new PendingAppend(record, done), cancellationToken);
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
        await _channel.Writer.WriteAsync(new PendingAppend(null, null, done), cancellationToken);
        return await done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingAppend>(_options.MaxBatchSize);
        var reader = _channel.Reader;
        while (true)
        {
            var hasData = await WaitAsync(reader);
            if (!hasData && reader.Completion.IsCompleted)
            {
                break;
            }

            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var item))
            {
                if (item.Replay is { } replay)
                {
                    await FlushAsync(batch);
                    batch.Clear();
                    replay.TrySetResult(await TryReplayAsync(force: true));
                    continue;
                }

                batch.Add(item);
            }

            await TryReplayAsync(force: false);
            await FlushAsync(batch);
            batch.Clear();
        }

        // Last chance to hand spooled records over before the process goes away; harmless when it fails.
        await TryReplayAsync(force: false);
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

    private async Task FlushAsync(List<PendingAppend> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var records = batch.Select(b => b.Record!).ToList();
        try
        {
            await _store.AppendAsync(records);
            Complete(batch, null);
            return;
        }
        catch (Exception ex) when (_spool is not null)
        {
            _logger.LogWarning(ex, "Ledger store unavailable; spooling {Count} records to {Path}", records.Count, _spool.Path);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Ledger store failed to write {Count} records and no spool is configured", records.Count);
            Complete(batch, ex);
            return;
        }

        try
        {
            await _spool.AppendAsync(records);
            Interlocked.Add(ref _spooled, records.Count);
            _nextReplay = _time.GetTimestamp() + (long)(_options.ReplayInterval.TotalSeconds * _time.TimestampFrequency);
            Complete(batch, null);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Ledger spool {Path} failed; {Count} records were not stored", _spool.Path, records.Count);
            Complete(batch, ex);
        }
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

    private static void Complete(List<PendingAppend> batch, Exception? error)
    {
        foreach (var item in batch)
        {
            if (error is null)
            {
                item.Done!.TrySetResult();
            }
            else
            {
                item.Done!.TrySetException(error);
            }
        }
    }

    private sealed record PendingAppend(UsageRecord? Record, TaskCompletionSource? Done, TaskCompletionSource<LedgerAppendResult>? Replay = null);
}
