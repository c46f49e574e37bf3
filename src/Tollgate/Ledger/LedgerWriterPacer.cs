using System.Diagnostics;

namespace Tollgate.Ledger;

/// <summary>
/// Wakes a <see cref="LedgerWriter"/>'s loop — when a linger ends, or when a producer asks — from one dedicated thread
/// that runs the loop's continuation itself until the loop waits again. Waking the loop through the thread pool
/// costs far more than the loop's work (the woken worker spins looking for more work before it sleeps, on every
/// wake-up, and at high rates the loop wakes every linger period); this thread blocks in the kernel between
/// wake-ups and never spins. A store that completes asynchronously continues the loop on the thread pool until its
/// next wait, as before. Disposed by the writer once its loop has ended.
/// </summary>
internal sealed class LedgerWriterPacer : IDisposable
{
    // Monitor rather than Lock: the thread sleeps in Monitor.Wait until the deadline or a pulse.
    private readonly object _monitor = new();
    private TaskCompletionSource? _waiter;
    private long _deadline = long.MaxValue;
    private bool _woken;
    private bool _disposed;

    public LedgerWriterPacer()
    {
        new Thread(Run) { IsBackground = true, Name = "Tollgate ledger writer" }.Start();
    }

    /// <summary>
    /// Completes after <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: only when woken) or at the
    /// next <see cref="Wake"/> — also one that came before this call, so a wake-up between the loop's decision to
    /// wait and this call is not lost. The awaiting code continues on the pacer's thread.
    /// </summary>
    public Task WaitAsync(TimeSpan timeout)
    {
        lock (_monitor)
        {
            if (_disposed)
            {
                return Task.CompletedTask;
            }

            // Continuations run synchronously (no RunContinuationsAsynchronously): that is the point.
            _waiter ??= new TaskCompletionSource();
            _deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            Monitor.Pulse(_monitor);
            return _waiter.Task;
        }
    }

    /// <summary>Completes the current (or the next) wait now.</summary>
    public void Wake()
    {
        lock (_monitor)
        {
            _woken = true;
            Monitor.Pulse(_monitor);
        }
    }

    /// <summary>Completes any wait and ends the thread; does not wait for it (it may be the caller).</summary>
    public void Dispose()
    {
        lock (_monitor)
        {
            _disposed = true;
            Monitor.Pulse(_monitor);
        }
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource due;
            lock (_monitor)
            {
                while (true)
                {
                    if (_waiter is { } waiter && (_woken || _disposed || Stopwatch.GetTimestamp() >= _deadline))
                    {
                        due = waiter;
                        _waiter = null;
                        _woken = false;
                        break;
                    }

                    if (_disposed)
                    {
                        return;
                    }

                    Monitor.Wait(_monitor, WaitMilliseconds());
                }
            }

            // Runs the loop here until it waits again.
            due.TrySetResult();
        }
    }

    private int WaitMilliseconds()
    {
        if (_waiter is null || _deadline == long.MaxValue)
        {
            return Timeout.Infinite;
        }

        var remaining = _deadline - Stopwatch.GetTimestamp();
        return (int)Math.Clamp(((remaining * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency, 1, int.MaxValue);
    }
}
