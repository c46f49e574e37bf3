using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The spend (USD) of the current calendar month (UTC) that volume-discount tiers are measured against: the ledger's
/// month-to-date total, plus every call this gateway settles, re-read from the ledger every
/// <see cref="RefreshInterval"/> so other instances' calls on a shared store count too. Both figures are at most the
/// true total, so the larger is kept: a tier can be reached a little later than the exact total — never sooner.
/// </summary>
internal sealed class VolumeSpend(ILedgerStore ledger, TimeProvider time)
{
    /// <summary>How often the month-to-date total is re-read (one rollup query).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private (int Year, int Month) _period;
    private long _nanos;

    /// <summary>Reads the month-to-date total from the ledger's rollups; keeps the larger of it and this instance's count.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var start = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var report = await ledger.QueryAsync(new LedgerQuery { Filter = LedgerFilter.All with { From = start } }, cancellationToken);
        lock (_gate)
        {
            if (_period != (now.Year, now.Month))
            {
                _period = (now.Year, now.Month);
                _nanos = 0;
            }

            _nanos = Math.Max(_nanos, report.Total.CostNanos);
        }
    }

    /// <summary>Refreshes every <paramref name="interval"/> until cancelled; a failed read keeps the current figure.</summary>
    public async Task WatchAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, cancellationToken);
                try
                {
                    await RefreshAsync(cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The ledger is unreachable for a moment: this instance's own count goes on meanwhile.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The month's spend before a call made at <paramref name="at"/>.</summary>
    public decimal Before(DateTimeOffset at)
    {
        lock (_gate)
        {
            return (at.Year, at.Month) == _period ? Money.FromNanos(_nanos) : 0m;
        }
    }

    public void Add(DateTimeOffset at, decimal cost)
    {
        lock (_gate)
        {
            if ((at.Year, at.Month) != _period)
            {
                // A new month: its spend starts from zero.
                _period = (at.Year, at.Month);
                _nanos = 0;
            }

            _nanos += Money.ToNanos(cost);
        }
    }
}
