namespace Tollgate.Alerts;

/// <summary>One alert: what happened, to which budget and window, how urgent.</summary>
public sealed record Alert
{
    /// <summary>Assigned by the history when stored; 0 before.</summary>
    public long Id { get; init; }

    public required DateTimeOffset At { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary>What kind of event: <c>budget_threshold</c>, <c>budget_emergency</c>, …</summary>
    public required string Kind { get; init; }

    public required string Message { get; init; }

    public string? BudgetId { get; init; }

    public string? WindowKey { get; init; }

    /// <summary>Extra facts (limit, spent, threshold…) as invariant strings.</summary>
    public IReadOnlyDictionary<string, string> Details { get; init; } = new Dictionary<string, string>();
}
