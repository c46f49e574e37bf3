using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// The running sums of one <see cref="ComparisonRow"/>: metrics, the latencies of its successful calls (each one, read
/// from raw records, or a <see cref="LatencyHistogram"/> from the latency rollups) and its cache savings.
/// </summary>
internal sealed class ComparisonGroup
{
    private readonly List<long> _latencies = [];
    private bool _sorted = true;
    private LatencyHistogram? _histogram;

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

    /// <summary>Sums from the rollups with the latency histogram of the same calls and their savings.</summary>
    public void Add(LedgerMetrics metrics, LatencyHistogram histogram, CacheSavings savings)
    {
        Metrics += metrics;
        (_histogram ??= new LatencyHistogram()).Add(histogram);
        Savings += savings;
    }

    public void Add(ComparisonGroup other)
    {
        Metrics += other.Metrics;
        Savings += other.Savings;
        if (other._histogram is not null)
        {
            (_histogram ??= new LatencyHistogram()).Add(other._histogram);
        }

        _latencies.AddRange(other._latencies);
        _sorted = false;
    }

    /// <summary>
    /// The nearest-rank percentile (0 &lt; <paramref name="q"/> ≤ 1) of the successful calls' latencies; null without any.
    /// From a histogram, the upper bound of the bucket holding that rank (<see cref="LatencyHistogram.Percentile"/>).
    /// </summary>
    public long? Percentile(double q)
    {
        if (_histogram is not null)
        {
            var all = new LatencyHistogram();
            all.Add(_histogram);
            foreach (var latency in _latencies)
            {
                all.AddLatency(latency);
            }

            return all.Percentile(q);
        }

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
