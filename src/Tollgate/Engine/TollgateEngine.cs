using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tollgate.Budgets;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate;

/// <summary>
/// The one set of shared services every host meters calls with: the price calculator, the budget gate and the
/// ledger (writer for records, store for reports), on one clock. The gateway and the <c>IChatClient</c> middleware
/// take the same engine, so spend through either counts against the same budgets and lands in the same ledger.
/// Disposing flushes the ledger writer and disposes what the engine was given to own.
/// </summary>
public sealed class TollgateEngine : IAsyncDisposable
{
    private readonly List<object> _owned;
    private readonly Func<CancellationToken, Task>[] _initializers;
    private readonly SemaphoreSlim _initializeLock = new(1, 1);
    private volatile bool _initialized;
    private readonly ILogger _logger;
    private readonly Lock _pendingGate = new();
    private int _pendingRecords;
    private TaskCompletionSource? _drained;
    private int _disposed;

    public TollgateEngine(
        ICostCalculator calculator,
        IBudgetGate budgets,
        LedgerWriter ledger,
        ILedgerStore ledgerStore,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IEnumerable<object>? owned = null,
        IEnumerable<Func<CancellationToken, Task>>? initializers = null)
    {
        Calculator = calculator ?? throw new ArgumentNullException(nameof(calculator));
        Budgets = budgets ?? throw new ArgumentNullException(nameof(budgets));
        Ledger = ledger ?? throw new ArgumentNullException(nameof(ledger));
        LedgerStore = ledgerStore ?? throw new ArgumentNullException(nameof(ledgerStore));
        Time = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<TollgateEngine>();
        _owned = owned?.ToList() ?? [];
        _initializers = initializers?.ToArray() ?? [];
        _initialized = _initializers.Length == 0;
    }

    /// <summary>Prices usage at the price in force at a moment.</summary>
    public ICostCalculator Calculator { get; }

    /// <summary>Holds worst cases before calls and settles actual costs after.</summary>
    public IBudgetGate Budgets { get; }

    /// <summary>Writes usage records off the request path.</summary>
    public LedgerWriter Ledger { get; }

    /// <summary>The ledger the writer writes to, for reports.</summary>
    public ILedgerStore LedgerStore { get; }

    public TimeProvider Time { get; }

    /// <summary>Where metering raises alerts (e.g. provider usage that could not be billed as reported); null: logged only.</summary>
    public Alerts.AlertDispatcher? Alerts { get; init; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// Runs the one-time start-up work the engine was built with (schemas, seeded budgets) unless it already ran;
    /// hosts call it at start, and every metered call awaits it (a completed check after the first time).
    /// A failure is thrown to the caller and retried by the next call.
    /// </summary>
    public ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        _initialized ? ValueTask.CompletedTask : InitializeSlowAsync(cancellationToken);

    /// <summary>
    /// Hands a record to the ledger writer without making the caller wait for it to be durable (nor, when the
    /// writer's queue is full, for room in it). A refused or failed record is logged (the writer spools when
    /// configured); <see cref="FlushAsync"/> waits for every record handed over.
    /// </summary>
    public void Record(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ValueTask queued;
        try
        {
            queued = Ledger.EnqueueAsync(record);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "ledger record {RequestId} was refused", record.RequestId);
            return;
        }

        if (queued.IsCompletedSuccessfully)
        {
            return;
        }

        lock (_pendingGate)
        {
            _pendingRecords++;
        }

        _ = ObserveAsync(queued, record.RequestId);
    }

    /// <summary>
    /// Hands a record to the ledger writer: completes once it is queued — at once unless the queue is full, which
    /// makes the caller wait (back-pressure) — not once it is durable (see <see cref="LedgerWriter.EnqueueAsync"/>).
    /// Never throws for the ledger's sake: a refused record is logged.
    /// </summary>
    public ValueTask RecordAsync(UsageRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ValueTask queued;
        try
        {
            queued = Ledger.EnqueueAsync(record, cancellationToken);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "ledger record {RequestId} was refused", record.RequestId);
            return ValueTask.CompletedTask;
        }

        return queued.IsCompletedSuccessfully ? ValueTask.CompletedTask : WaitQueuedAsync(queued, record.RequestId);
    }

    /// <summary>Completes once every record handed to <see cref="Record"/> or <see cref="RecordAsync"/> so far is durable (or failed and was logged).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Task? drained = null;
        lock (_pendingGate)
        {
            if (_pendingRecords > 0)
            {
                _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                drained = _drained.Task;
            }
        }

        if (drained is not null)
        {
            await drained.WaitAsync(cancellationToken);
        }

        await Ledger.FlushAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await FlushAsync();
        _initializeLock.Dispose();
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            switch (owned)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private async ValueTask InitializeSlowAsync(CancellationToken cancellationToken)
    {
        await _initializeLock.WaitAsync(cancellationToken);
        try
        {
            if (_initialized)
            {
                return;
            }

            foreach (var initialize in _initializers)
            {
                await initialize(cancellationToken);
            }

            _initialized = true;
        }
        finally
        {
            _initializeLock.Release();
        }
    }

    private async ValueTask WaitQueuedAsync(ValueTask queued, string requestId)
    {
        try
        {
            await queued;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "ledger record {RequestId} could not be queued", requestId);
        }
    }

    private async Task ObserveAsync(ValueTask append, string requestId)
    {
        try
        {
            await append;
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "ledger record {RequestId} could not be stored", requestId);
        }
        finally
        {
            TaskCompletionSource? drained = null;
            lock (_pendingGate)
            {
                if (--_pendingRecords == 0)
                {
                    drained = _drained;
                    _drained = null;
                }
            }

            drained?.TrySetResult();
        }
    }
}
