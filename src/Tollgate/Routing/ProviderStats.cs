namespace Tollgate.Routing;

/// <summary>
/// Persisted, cumulative call statistics of one provider (and optionally one of its models): what
/// <c>tollgate providers stats</c> reports. Latency percentiles come from a fixed-bucket histogram so
/// several gateway instances can add to the same counters.
/// </summary>
public sealed record ProviderStats
{
    public required string Provider { get; init; }

    /// <summary>The model, or null for all of the provider's models together.</summary>
    public string? Model { get; init; }

    public long Requests { get; init; }

    public long Successes { get; init; }

    public long Failures => Requests - Successes;

    /// <summary>Successes ÷ requests; null when there were no requests.</summary>
    public double? SuccessRate => Requests == 0 ? null : (double)Successes / Requests;

    public long TotalLatencyMilliseconds { get; init; }

    /// <summary>Counts per <see cref="LatencyHistogram"/> bucket.</summary>
    public IReadOnlyList<long> LatencyBuckets { get; init; } = new long[LatencyHistogram.BucketCount];

    /// <summary>Cost recorded with the calls, in nano-units (see <c>Money</c>).</summary>
    public long CostNanos { get; init; }

    public DateTimeOffset? FirstAt { get; init; }

    public DateTimeOffset? LastAt { get; init; }

    public double? LatencyP50Milliseconds => LatencyHistogram.Percentile(LatencyBuckets, 0.50);

    public double? LatencyP95Milliseconds => LatencyHistogram.Percentile(LatencyBuckets, 0.95);

    public double? MeanLatencyMilliseconds => Requests == 0 ? null : (double)TotalLatencyMilliseconds / Requests;
}

/// <summary>One finished call to record into <see cref="ProviderStats"/>.</summary>
/// <param name="Provider">Provider name.</param>
/// <param name="Model">Model the provider served.</param>
/// <param name="Success">Whether the call succeeded.</param>
/// <param name="Latency">Time to the response (or failure).</param>
/// <param name="CostNanos">What it cost, in nano-units (0 when unknown).</param>
/// <param name="Timestamp">When it finished.</param>
public readonly record struct ProviderCallRecord(string Provider, string Model, bool Success, TimeSpan Latency, long CostNanos, DateTimeOffset Timestamp);
