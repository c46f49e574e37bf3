namespace Tollgate.Audit;

/// <summary>
/// One change to Tollgate's state: who made it (an admin key id, <c>cli</c>, <c>config</c> or <c>tollgate</c> for an
/// automated response), what (<see cref="Action"/> on <see cref="Target"/>), when, and the state before and after as
/// JSON (null when there was none). Never holds a secret: callers record views without key material.
/// </summary>
public sealed record AuditEntry
{
    /// <summary>Assigned by the log when recorded (0 before).</summary>
    public long Id { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string Actor { get; init; }

    /// <summary>What was done, as <c>noun.verb</c>: <c>key.create</c>, <c>budget.delete</c>, <c>provider.disable</c>…</summary>
    public required string Action { get; init; }

    /// <summary>What it was done to: a key id, a budget id, a provider name.</summary>
    public required string Target { get; init; }

    /// <summary>The state before, as JSON; null when the target did not exist.</summary>
    public string? Before { get; init; }

    /// <summary>The state after, as JSON; null when the target is gone.</summary>
    public string? After { get; init; }
}
