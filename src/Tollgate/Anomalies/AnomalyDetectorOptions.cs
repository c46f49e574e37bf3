namespace Tollgate.Anomalies;

/// <summary>Settings of <see cref="OnlineAnomalyDetector"/>; the defaults are the documented ones (docs/forecasting.md).</summary>
public sealed record AnomalyDetectorOptions
{
    /// <summary>How many past rows each novelty statistic is ranked against (about ten days of 5-minute data).</summary>
    public int Memory { get; init; } = 3000;

    /// <summary>Rows seen before any score above 0 is given: with less history every value looks new.</summary>
    public int WarmUp { get; init; } = 60;

    /// <summary>The length of the recent pattern (and of the recent mean) compared with the past.</summary>
    public int PatternLength { get; init; } = 6;

    /// <summary>How many past patterns the current one is compared with (nearest neighbour).</summary>
    public int PatternMemory { get; init; } = 2000;

    /// <summary>Rows after a score during which a score no higher belongs to the same incident and is damped.</summary>
    public int Cooldown { get; init; } = 100;

    /// <summary>The factor applied to a score no higher than one in the last <see cref="Cooldown"/> rows.</summary>
    public double CooldownDamping { get; init; } = 0.5;
}
