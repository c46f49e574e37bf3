namespace Tollgate.Ledger;

/// <summary>One latency rollup row's values being summed: calls using a prompt cache and the successful calls' histogram.</summary>
internal sealed class LatencyCell
{
    public long CacheCalls { get; set; }

    public LatencyHistogram Histogram { get; } = new();

    public void Add(UsageRecord record)
    {
        if (LatencyRollupRow.UsesCache(record))
        {
            CacheCalls++;
        }

        if (record.Success)
        {
            Histogram.AddLatency(record.LatencyMs);
        }
    }

    public void Add(LatencyCell other)
    {
        CacheCalls += other.CacheCalls;
        Histogram.Add(other.Histogram);
    }
}
