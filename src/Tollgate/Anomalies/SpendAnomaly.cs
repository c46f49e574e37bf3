namespace Tollgate.Anomalies;

/// <summary>An hour of unusual spend: the group, what was spent, the seasonal baseline expected, and the detector's score.</summary>
public sealed record SpendAnomaly(DateTimeOffset Hour, string Key, double Actual, double Expected, double Score)
{
    /// <summary>Spend above (or, if negative, below) the baseline.</summary>
    public double Impact => Actual - Expected;
}
