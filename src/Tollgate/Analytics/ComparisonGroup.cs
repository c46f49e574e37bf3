using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>The running sums of one <see cref="ComparisonRow"/>: metrics, the latencies of its successful calls and its cache savings.</summary>
internal sealed class ComparisonGroup
{
    private readonly List<long> _latencies = [];
    private bool _sorted = true;

    public LedgerMetrics Metrics { get; private set; }

    public CacheSavings Savings { get; private set; }

    public void Add(UsageRecord record, CacheSavingsCalculator? savings)
    {
        Metrics += LedgerMetrics.Of(record);
        if (record.Success)
        {
            _latencies.Add(record.LatencyMs);
            _sorted = false;
        }

        if (savings is not null)
        {
            Savings += savings.Of(record);
        }
    }

    /// <summary>Sums from the rollups: no latencies or savings (the group's percentiles and savings stay unknown).</summary>
    public void Add(LedgerMetrics metrics) => Metrics += metrics;

    public void Add(ComparisonGroup other)
    {
        Metrics += other.Metrics;
        Savings += other.Savings;
        _latencies.AddRange(other._latencies);
        _sorted = false;
    }

    /// <summary>The nearest-rank percentile (0 &lt; <paramref name="q"/> ≤ 1) of the successful calls' latencies; null without any.</summary>
    public long? Percentile(double q)
    {
        if (_latencies.Count == 0)
        {
            return null;
        }

        if (!_sorted)
        {
            _latencies.Sort();
            _sorted = true;
        }

        var rank = (int)Math.Ceiling(q * _latencies.Count);
        return _latencies[Math.Clamp(rank, 1, _latencies.Count) - 1];
    }
}
