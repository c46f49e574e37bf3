namespace Tollgate.Alerts;

/// <summary>The kinds of alerts (the <see cref="Alert.Kind"/> values channels filter on) and of history entries about alerts.</summary>
public static class AlertKinds
{
    public const string BudgetThreshold = "budget_threshold";
    public const string BudgetEmergency = "budget_emergency";
    public const string BudgetRefused = "budget_refused";
    public const string ForecastOverrun = "forecast_overrun";
    public const string Anomaly = "anomaly";
    public const string CircuitOpened = "provider_circuit_opened";
    public const string CircuitClosed = "provider_circuit_closed";
    public const string UnpricedModel = "unpriced_model";

    /// <summary>A reconciliation against the provider's exports found a capture rate below <c>reconciliation.minCaptureRate</c>.</summary>
    public const string Reconciliation = "reconciliation";

    /// <summary>Provider usage rejected as implausible (the metering check's own kinds start with <c>usage_</c>).</summary>
    public const string UsageRejectedPrefix = "usage_";

    /// <summary>An automated response was applied to a scope (throttle, emergency, refuse).</summary>
    public const string ResponseApplied = "response_applied";

    /// <summary>An operator reversed an automated response.</summary>
    public const string ResponseReversed = "response_reversed";

    /// <summary>History entry: an operator acknowledged alert <c>details.alert_id</c>.</summary>
    public const string Acknowledged = "alert_acknowledged";

    /// <summary>History entry: an operator marked alert <c>details.alert_id</c> as expected (the anomaly baseline learns it).</summary>
    public const string MarkedExpected = "alert_expected";

    /// <summary><c>tollgate alerts test</c>.</summary>
    public const string Test = "test";

    /// <summary>True for history entries that describe other alerts rather than events (never sent to channels).</summary>
    public static bool IsFeedback(string kind) => kind is Acknowledged or MarkedExpected;
}
