namespace Tollgate.Budgets;

/// <summary>
/// Who and what a request is about: the dimensions a <see cref="BudgetScope"/> matches on.
/// Any part may be null when the host does not know it (a budget scoped on that part then does not apply).
/// </summary>
public sealed record BudgetSubject
{
    public string? Tenant { get; init; }

    public string? Project { get; init; }

    public string? User { get; init; }

    /// <summary>The virtual key's id (never the key itself).</summary>
    public string? KeyId { get; init; }

    public string? Provider { get; init; }

    public string? Model { get; init; }

    /// <summary>A subject with no known dimension: only global budgets apply.</summary>
    public static BudgetSubject Anonymous { get; } = new();
}
