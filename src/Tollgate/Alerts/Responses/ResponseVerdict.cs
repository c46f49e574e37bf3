namespace Tollgate.Alerts.Responses;

/// <summary>
/// An automated response's answer to one request: refused (with a wait for a throttle) and why, or — for an emergency
/// response that lets it through — <see cref="Emergency"/>: the call goes on, switched to the cheapest eligible model.
/// </summary>
public sealed record ResponseVerdict(AutomatedResponse Response, TimeSpan? RetryAfter, string Message)
{
    /// <summary>Not a refusal: the caller's scope is in emergency mode.</summary>
    public bool Emergency { get; init; }
}
