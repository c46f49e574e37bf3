using Tollgate.Reconciliation.Reading;

namespace Tollgate.Reconciliation.Matching;

/// <summary>Sums of one side (ledger or provider) of one day × model cell.</summary>
public sealed class Tally
{
    public long Input { get; set; }

    public long CachedInput { get; set; }

    public long CacheWrite5m { get; set; }

    public long CacheWrite1h { get; set; }

    public long Output { get; set; }

    public long Requests { get; set; }

    /// <summary>False when the source does not count requests (Anthropic's usage report).</summary>
    public bool HasRequests { get; set; }

    public long CostNanos { get; set; }

    /// <summary>All input: uncached, cache reads and cache writes.</summary>
    public long TotalInput => Input + CachedInput + CacheWrite5m + CacheWrite1h;

    public bool IsEmpty => Input == 0 && CachedInput == 0 && CacheWrite5m == 0 && CacheWrite1h == 0 && Output == 0 && Requests == 0 && CostNanos == 0;

    public long this[ReconcileKind kind] => kind switch
    {
        ReconcileKind.Input => Input,
        ReconcileKind.CachedInput => CachedInput,
        ReconcileKind.CacheWrite5m => CacheWrite5m,
        ReconcileKind.CacheWrite1h => CacheWrite1h,
        ReconcileKind.Output => Output,
        ReconcileKind.Requests => Requests,
        _ => CostNanos,
    };

    public void Add(UsageRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        Input += row.Input;
        CachedInput += row.CachedInput;
        CacheWrite5m += row.CacheWrite5m;
        CacheWrite1h += row.CacheWrite1h;
        Output += row.Output;
        if (row.Requests is { } requests)
        {
            Requests += requests;
            HasRequests = true;
        }
    }

    public void Add(Tally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Input += other.Input;
        CachedInput += other.CachedInput;
        CacheWrite5m += other.CacheWrite5m;
        CacheWrite1h += other.CacheWrite1h;
        Output += other.Output;
        Requests += other.Requests;
        HasRequests |= other.HasRequests;
        CostNanos += other.CostNanos;
    }
}
