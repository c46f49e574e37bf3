namespace Tollgate.Routing;

/// <summary>Retries per candidate and how far down the fallback chain to go.</summary>
public sealed class FallbackOptions
{
    /// <summary>Tries on one candidate before moving to the next (1 = no retry).</summary>
    public int MaxAttemptsPerCandidate { get; set; } = 2;

    /// <summary>Candidates tried at most (the chosen one, its backup, then ranked alternatives).</summary>
    public int MaxCandidates { get; set; } = 3;

    /// <summary>First backoff delay; doubles per retry (with jitter) up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A provider's Retry-After is honoured up to this; a longer wait moves on to the next candidate instead.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(20);

    public bool UseJitter { get; set; } = true;

    public void Validate()
    {
        if (MaxAttemptsPerCandidate < 1) throw new ArgumentException("max attempts per candidate must be at least 1");
        if (MaxCandidates < 1) throw new ArgumentException("max candidates must be at least 1");
        if (BaseDelay < TimeSpan.Zero || MaxDelay < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero) throw new ArgumentException("retry delays must not be negative");
    }
}
