namespace Tollgate.Alerts.Responses;

/// <summary>An automated response's answer to one request: refused (with a wait for a throttle) and why.</summary>
public sealed record ResponseVerdict(AutomatedResponse Response, TimeSpan? RetryAfter, string Message);
