using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The spend (USD) of the current calendar month (UTC) that volume-discount tiers are measured against: the ledger's
/// month-to-date total at start, plus every call this gateway settles. Other instances' calls since this one started
/// are not counted until its next start, so a tier can be reached a little later than the exact total — never sooner.
/// </summary>
internal sealed class VolumeSpend(TimeProvider time)
{
    private readonly Lock _gate = new();
    private (int Year, int Month) _period;
    private long _nanos;

    /// <summary>Reads the month-to-date total from the ledger's rollups.</summary>
    public async Task LoadAsync(ILedgerStore ledger, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var start = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var report = await ledger.QueryAsync(new LedgerQuery { Filter = LedgerFilter.All with { From = start } }, cancellationToken);
        lock (_gate)
        {
            _period = (now.Year, now.Month);
            _nanos = report.Total.CostNanos;
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
