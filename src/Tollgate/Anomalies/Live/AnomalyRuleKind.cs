namespace Tollgate.Anomalies.Live;

/// <summary>What a live anomaly rule compares.</summary>
public enum AnomalyRuleKind
{
    /// <summary>Requests in the window at least <see cref="AnomalyRule.Factor"/> × the baseline mean.</summary>
    RequestSpike,

    /// <summary>Spend in the window at least <see cref="AnomalyRule.Factor"/> × the baseline mean.</summary>
    CostSpike,

    /// <summary>Spend in the window at least <see cref="AnomalyRule.ZScore"/> robust deviations (median, MAD) above the baseline.</summary>
    ZScore,

    /// <summary>Spend scored by the online detector (<see cref="OnlineAnomalyDetector"/>) over the window series, at least <see cref="AnomalyRule.Score"/>.</summary>
    Pattern,

    /// <summary>The share of failed calls at least <see cref="AnomalyRule.ErrorRate"/> above the baseline's.</summary>
    ErrorRateSpike,
}
