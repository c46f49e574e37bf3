namespace Tollgate.Routing;

/// <summary>How candidates are scored and when a choice is trusted.</summary>
public sealed class RoutingOptions
{
    /// <summary>Weight of cheapness in the score (default 0.4).</summary>
    public double CostWeight { get; set; } = 0.4;

    /// <summary>Weight of speed (rolling p50 latency) in the score (default 0.3).</summary>
    public double LatencyWeight { get; set; } = 0.3;

    /// <summary>Weight of the quality tier in the score (default 0.3).</summary>
    public double QualityWeight { get; set; } = 0.3;

    /// <summary>
    /// A scored choice needs at least this confidence (share of its score backed by known data: a price, enough
    /// latency samples, listed capabilities); below it the requested model is kept when it can serve.
    /// </summary>
    public double MinimumConfidence { get; set; } = 0.5;

    /// <summary>Latency samples needed for full confidence in a latency score.</summary>
    public int LatencySamplesForConfidence { get; set; } = 20;

    /// <summary>Allow other models of at least the requested model's quality tier (cheapest good enough); false keeps the requested model, any provider.</summary>
    public bool AllowSubstitution { get; set; } = true;

    /// <summary>Emergency mode: ignore preferences and weights, take the cheapest eligible candidate.</summary>
    public bool EmergencyMode { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting to fix.</summary>
    public void Validate()
    {
        if (CostWeight < 0 || LatencyWeight < 0 || QualityWeight < 0)
        {
            throw new ArgumentException("routing weights must not be negative");
        }

        if (CostWeight + LatencyWeight + QualityWeight <= 0)
        {
            throw new ArgumentException("at least one routing weight (cost, latency, quality) must be positive");
        }

        if (MinimumConfidence is < 0 or > 1)
        {
            throw new ArgumentException("routing min_confidence must be between 0 and 1");
        }

        if (LatencySamplesForConfidence < 1)
        {
            throw new ArgumentException("routing latency samples for confidence must be at least 1");
        }
    }
}
