namespace Tollgate.Routing;

/// <summary>The state of a provider's or model's circuit breaker.</summary>
public enum CircuitState
{
    /// <summary>Calls flow.</summary>
    Closed,

    /// <summary>Calls are refused until the break duration has passed.</summary>
    Open,

    /// <summary>The break has passed: one probe call may go through; its outcome closes or re-opens the circuit.</summary>
    HalfOpen,
}
