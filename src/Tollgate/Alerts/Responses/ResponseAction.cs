namespace Tollgate.Alerts.Responses;

/// <summary>What an anomaly rule does besides alerting.</summary>
public enum ResponseAction
{
    /// <summary>Alert only.</summary>
    Notify,

    /// <summary>Limit the scope (tenant, project or key) to N requests per minute.</summary>
    Throttle,

    /// <summary>Emergency mode for the scope only: its calls switched to the cheapest eligible model (the configured fallback), throttled to N requests per minute when N is set.</summary>
    Emergency,

    /// <summary>Refuse every request of the scope.</summary>
    Refuse,
}
