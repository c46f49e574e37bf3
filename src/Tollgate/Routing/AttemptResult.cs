namespace Tollgate.Routing;

/// <summary>How one attempt ended, as far as retrying is concerned.</summary>
public enum AttemptOutcome
{
    Success,

    /// <summary>429, 5xx, timeout, network: retry with backoff, then fall back.</summary>
    Retryable,

    /// <summary>This candidate cannot serve (bad key, unknown model): no retry, go to the next candidate.</summary>
    NextCandidate,

    /// <summary>The request itself is wrong (400): no candidate will do better; stop.</summary>
    Fatal,

    /// <summary>
    /// Ended on the caller's side, not by the provider (a budget or rate-limit refusal, the client gone, the caller's own
    /// store unavailable): stop, and it says nothing about the provider's health.
    /// </summary>
    Local,
}

/// <summary>The result of one attempt as the caller's delegate reports it.</summary>
/// <typeparam name="T">What the attempt produced (e.g. a provider response).</typeparam>
/// <param name="Value">The attempt's value (also for failures: the error response).</param>
/// <param name="Outcome">Whether to retry, fall back or stop.</param>
/// <param name="RetryAfter">The provider's Retry-After, honoured as the next delay.</param>
/// <param name="Error">A redacted description of the failure.</param>
/// <param name="BackPressure">
/// The provider said "slow down" (429): not a health failure; the candidate is not retried, it is skipped until its
/// <paramref name="RetryAfter"/> and the next candidate is tried.
/// </param>
public readonly record struct AttemptResult<T>(T? Value, AttemptOutcome Outcome, TimeSpan? RetryAfter = null, string? Error = null, bool BackPressure = false);

/// <summary>One observable attempt (one ledger row for the gateway).</summary>
/// <param name="Number">1-based across the whole chain.</param>
/// <param name="Candidate">The provider model tried.</param>
/// <param name="TryOnCandidate">1-based on this candidate.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Error">Failure description; null on success.</param>
/// <param name="Duration">How long the attempt took.</param>
public sealed record AttemptRecord(int Number, RouteCandidate Candidate, int TryOnCandidate, AttemptOutcome Outcome, string? Error, TimeSpan Duration);

/// <summary>The outcome of a fallback chain.</summary>
/// <typeparam name="T">The attempt value type.</typeparam>
public sealed record FallbackResult<T>
{
    public bool Succeeded { get; init; }

    /// <summary>The successful value, or the last failure's value.</summary>
    public T? Value { get; init; }

    /// <summary>The candidate that produced <see cref="Value"/>.</summary>
    public RouteCandidate? Candidate { get; init; }

    public IReadOnlyList<AttemptRecord> Attempts { get; init; } = [];

    /// <summary>Candidates not tried, with why (e.g. circuit open).</summary>
    public IReadOnlyList<(RouteCandidate Candidate, string Reason)> Skipped { get; init; } = [];
}
