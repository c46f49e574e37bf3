using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Tollgate.Budgets;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Settles again, in the background, the holds whose settlement failed because the budget counters were unreachable
/// (Redis or the database away). The call's record is already durable, so the hold simply stays counted as held — the
/// budget errs on the safe side — until the store is back and the settlement lands: once, since a settlement is keyed by
/// its reservation (a repeated one is ignored, a late one after the hold expired still counts its spend).
/// </summary>
internal sealed class SettlementRetrier(IBudgetGate budgets, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentQueue<(BudgetReservation Reservation, decimal Amount)> _pending = new();
    private int _running;

    /// <summary>Settlements waiting for the store.</summary>
    public int Pending => _pending.Count;

    public void Add(BudgetReservation reservation, decimal amount)
    {
        _pending.Enqueue((reservation, amount));
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            _ = RunAsync();
        }
    }

    /// <summary>Tries every waiting settlement once now; true when none is left.</summary>
    public async Task<bool> TryDrainAsync(CancellationToken cancellationToken)
    {
        var count = _pending.Count;
        for (var i = 0; i < count && _pending.TryDequeue(out var item); i++)
        {
            try
            {
                await budgets.SettleAsync(item.Reservation, item.Amount, cancellationToken);
            }
            catch (Exception ex) when (StoreFailure.Is(ex))
            {
                _pending.Enqueue(item);
                return false;
            }
        }

        return _pending.IsEmpty;
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await Task.Delay(Interval, time);
                if (await TryDrainAsync(CancellationToken.None))
                {
                    logger.LogInformation("budget store reachable again: every delayed settlement is counted");
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            logger.LogError("delayed budget settlements stopped ({Error}); {Count} holds stay counted as held until they expire", ex.Message, _pending.Count);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
            if (!_pending.IsEmpty && Interlocked.CompareExchange(ref _running, 1, 0) == 0)
            {
                _ = RunAsync();
            }
        }
    }
}
