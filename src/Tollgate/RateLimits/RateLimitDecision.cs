namespace Tollgate.RateLimits;

/// <summary>The answer of <see cref="IRateLimiter.TryAcquireAsync"/>; a refusal carries when to retry (HTTP Retry-After).</summary>
public sealed record RateLimitDecision
{
    public required bool Allowed { get; init; }

    /// <summary>Zero when allowed; otherwise the wait until the request would fit, with no other traffic.</summary>
    public TimeSpan RetryAfter { get; init; }

    public string? Reason { get; init; }

    /// <summary>The rule that refused.</summary>
    public RateLimitRule? Rule { get; init; }

    /// <summary>"requests" or "tokens".</summary>
    public string? Metric { get; init; }

    public static RateLimitDecision Allow { get; } = new() { Allowed = true };
}
