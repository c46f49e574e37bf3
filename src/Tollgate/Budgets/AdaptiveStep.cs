namespace Tollgate.Budgets;

/// <summary>One way adaptive enforcement may change a request so it fits.</summary>
public enum AdaptiveStep
{
    /// <summary>Lower max_tokens to what the remaining budget allows (a strict cost bound: the provider enforces it).</summary>
    LowerMaxTokens,

    /// <summary>Switch to the request's fallback model.</summary>
    FallbackModel,

    /// <summary>Drop the tool definitions (saves their input tokens).</summary>
    DropTools,

    /// <summary>Lower the sampling temperature.</summary>
    LowerTemperature,
}
