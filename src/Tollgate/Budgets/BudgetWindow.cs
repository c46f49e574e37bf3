namespace Tollgate.Budgets;

/// <summary>
/// One window of a budget. <see cref="Key"/> (<c>daily:2026-11-22</c>) names the counter that spending in
/// this window goes to, so a new window is just a new key. Rolling windows also count the spending in
/// <see cref="PastKeys"/> (the earlier buckets still inside the window).
/// </summary>
public sealed record BudgetWindow
{
    public required string Key { get; init; }

    /// <summary>When the window (for rolling windows: the oldest bucket) started; null for lifetime.</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>When the next window (for rolling: the next bucket) starts; null for lifetime.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Earlier bucket keys a rolling window also counts; empty for calendar windows.</summary>
    public IReadOnlyList<string> PastKeys { get; init; } = [];
}
