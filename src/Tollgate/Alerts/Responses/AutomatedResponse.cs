namespace Tollgate.Alerts.Responses;

/// <summary>One automated response in force: what was done to which scope, why, until when.</summary>
/// <param name="Id">The id of its <c>response_applied</c> history entry (what an operator reverses).</param>
/// <param name="Action">Throttle, emergency or refuse.</param>
/// <param name="Dimension"><c>tenant</c>, <c>project</c> or <c>key</c>.</param>
/// <param name="Value">The tenant, project or key id.</param>
/// <param name="RequestsPerMinute">For a throttle (and an emergency when above 0): the rate allowed.</param>
/// <param name="AppliedAt">When it was applied.</param>
/// <param name="Until">When it lapses on its own; null: until reversed.</param>
/// <param name="AlertId">The alert that caused it.</param>
/// <param name="Rule">The anomaly rule that caused it.</param>
public sealed record AutomatedResponse(long Id, ResponseAction Action, string Dimension, string Value, int RequestsPerMinute, DateTimeOffset AppliedAt, DateTimeOffset? Until, long AlertId, string Rule)
{
    /// <summary>True when the response covers a caller of this tenant, project and key.</summary>
    public bool Covers(string? tenant, string? project, string keyId) => Dimension switch
    {
        "tenant" => string.Equals(tenant, Value, StringComparison.Ordinal),
        "project" => string.Equals(project, Value, StringComparison.Ordinal),
        "key" => string.Equals(keyId, Value, StringComparison.Ordinal),
        _ => false,
    };

    public string Describe() => Action switch
    {
        ResponseAction.Throttle => $"{Dimension} {Value} throttled to {RequestsPerMinute} requests per minute",
        ResponseAction.Refuse => $"{Dimension} {Value} refused",
        ResponseAction.Emergency => $"{Dimension} {Value} in emergency mode (cheapest eligible model{(RequestsPerMinute > 0 ? $", {RequestsPerMinute} requests per minute" : "")})",
        _ => $"{Dimension} {Value}: notified",
    };
}
