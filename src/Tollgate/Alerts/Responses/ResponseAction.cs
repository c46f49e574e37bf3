namespace Tollgate.Alerts.Responses;

/// <summary>What an anomaly rule does besides alerting.</summary>
public enum ResponseAction
{
    /// <summary>Alert only.</summary>
    Notify,

    /// <summary>Limit the scope (tenant, project or key) to N requests per minute.</summary>
    Throttle,

    /// <summary>Start the gateway's emergency mode (cheapest models, throttled), as a budget's emergency threshold does.</summary>
    Emergency,

    /// <summary>Refuse every request of the scope.</summary>
    Refuse,
}
