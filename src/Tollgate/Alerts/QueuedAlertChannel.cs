using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tollgate.Alerts;

/// <summary>
/// One configured alert channel: the alerts its filter accepts go into a bounded queue that one background worker drains
/// into the sink, retrying each failed delivery with exponential back-off. <see cref="SendAsync"/> never waits for
/// the sink: a slow or failing channel delays nothing else, and when the queue is full the oldest alert is dropped
/// (counted and logged).
/// </summary>
public sealed partial class QueuedAlertChannel : IAlertSink, IAsyncDisposable
{
    private readonly IAlertSink _sink;
    private readonly Channel<Alert> _queue;
    private readonly Task _worker;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _delivered;
    private long _failed;
    private long _dropped;

    public QueuedAlertChannel(string name, IAlertSink sink, AlertChannelFilter filter, AlertDeliveryOptions? delivery = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        Name = name;
        Filter = filter;
        Delivery = delivery ?? new AlertDeliveryOptions();
        Delivery.Validate();
        _sink = sink;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _queue = Channel.CreateBounded<Alert>(
            new BoundedChannelOptions(Delivery.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _worker = Task.Run(DrainAsync);
    }

    public string Name { get; }

    public AlertChannelFilter Filter { get; }

    public AlertDeliveryOptions Delivery { get; }

    /// <summary>The sink behind the queue (webhook, e-mail, log).</summary>
    public IAlertSink Sink => _sink;

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Failed => Interlocked.Read(ref _failed);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues the alert when the filter takes it; returns at once.</summary>
    public ValueTask SendAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        if (Filter.Accepts(alert))
        {
            _queue.Writer.TryWrite(alert);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Delivers <paramref name="alert"/> now with the channel's retries, bypassing the queue (<c>tollgate alerts test</c>).</summary>
    public Task DeliverNowAsync(Alert alert, CancellationToken cancellationToken) => DeliverAsync(alert, throwOnFailure: true, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        using (var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            try
            {
                await _worker.WaitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                // Still retrying a dead channel at shutdown: give up on it.
            }
        }

        await _stop.CancelAsync();
        _stop.Dispose();
        if (_sink is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private async Task DrainAsync()
    {
        await foreach (var alert in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            await DeliverAsync(alert, throwOnFailure: false, _stop.Token);
        }
    }

    private async Task DeliverAsync(Alert alert, bool throwOnFailure, CancellationToken cancellationToken)
    {
        var delay = Delivery.FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(Delivery.Timeout);
                await _sink.SendAsync(alert, timeout.Token);
                Interlocked.Increment(ref _delivered);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt > Delivery.MaxRetries)
                {
                    Interlocked.Increment(ref _failed);
                    LogGaveUp(_logger, Name, alert.Kind, alert.Id, attempt, ex.Message);
                    if (throwOnFailure)
                    {
                        throw new AlertDeliveryException($"channel '{Name}' could not deliver after {attempt} attempts: {ex.Message}", ex);
                    }

                    return;
                }

                LogRetry(_logger, Name, attempt, delay.TotalSeconds, ex.Message);
                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, Delivery.MaxRetryDelay.Ticks));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "alert channel {Channel} gave up on alert {Kind} #{AlertId} after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string channel, string kind, long alertId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "alert channel {Channel}: attempt {Attempt} failed, retrying in {Seconds:0.#} s: {Error}")]
    private static partial void LogRetry(ILogger logger, string channel, int attempt, double seconds, string error);
}
