namespace Tollgate.Routing;

/// <summary>Rolling health of a provider or model at one moment.</summary>
/// <param name="Samples">Calls in the rolling window.</param>
/// <param name="SuccessRate">Share of those that succeeded; null with no samples.</param>
/// <param name="LatencyP50">Median latency of the window; null with no samples.</param>
/// <param name="LatencyP95">95th percentile latency of the window; null with no samples.</param>
/// <param name="Circuit">Circuit breaker state.</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="OpenUntil">When an open circuit lets a probe through; null unless open.</param>
public sealed record HealthSnapshot(
    int Samples,
    double? SuccessRate,
    TimeSpan? LatencyP50,
    TimeSpan? LatencyP95,
    CircuitState Circuit,
    int ConsecutiveFailures,
    DateTimeOffset? OpenUntil)
{
    public static HealthSnapshot Unknown { get; } = new(0, null, null, null, CircuitState.Closed, 0, null);
}
