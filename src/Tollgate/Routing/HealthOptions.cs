namespace Tollgate.Routing;

/// <summary>How provider health is measured and when the circuit breaker opens.</summary>
public sealed class HealthOptions
{
    /// <summary>Outcomes older than this leave the rolling window.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most this many outcomes are kept per provider or model.</summary>
    public int MaxSamples { get; set; } = 1_000;

    /// <summary>The circuit opens after this many failures in a row.</summary>
    public int ConsecutiveFailuresToOpen { get; set; } = 5;

    /// <summary>The circuit also opens when this share of the window's calls failed ...</summary>
    public double FailureRatioToOpen { get; set; } = 0.5;

    /// <summary>... provided the window holds at least this many calls.</summary>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>How long an open circuit refuses calls before letting one probe through (half-open).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting to fix.</summary>
    public void Validate()
    {
        if (Window <= TimeSpan.Zero) throw new ArgumentException("health window must be positive", nameof(Window));
        if (MaxSamples < 1) throw new ArgumentException("health max samples must be at least 1", nameof(MaxSamples));
        if (ConsecutiveFailuresToOpen < 1) throw new ArgumentException("consecutive failures to open must be at least 1", nameof(ConsecutiveFailuresToOpen));
        if (FailureRatioToOpen is <= 0 or > 1) throw new ArgumentException("failure ratio to open must be in (0, 1]", nameof(FailureRatioToOpen));
        if (MinimumThroughput < 1) throw new ArgumentException("minimum throughput must be at least 1", nameof(MinimumThroughput));
        if (BreakDuration <= TimeSpan.Zero) throw new ArgumentException("break duration must be positive", nameof(BreakDuration));
    }
}
