namespace Tollgate.Anomalies.Live;

/// <summary>
/// One anomaly found in live traffic: the rule, the dimension value, what was expected and what happened (in the rule's
/// unit: requests, USD or error share), the USD impact, and the value of a second dimension that explains most of it.
/// </summary>
public sealed record LiveAnomaly(
    AnomalyRule Rule,
    string Value,
    double Expected,
    double Actual,
    decimal ExpectedCost,
    decimal ActualCost,
    decimal Impact,
    double DeviationPercent,
    string? CauseDimension,
    string? CauseValue,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd);
