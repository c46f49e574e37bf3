namespace Tollgate.Budgets;

/// <summary>What adaptive enforcement (or emergency mode) changed; the host applies it to the request before sending.</summary>
public sealed record BudgetAdaptation
{
    public required IReadOnlyList<AdaptiveStep> Applied { get; init; }

    /// <summary>The max_tokens to send (lowered or as asked).</summary>
    public required int MaxTokens { get; init; }

    public string? Provider { get; init; }

    public required string Model { get; init; }

    public bool DropTools { get; init; }

    public float? Temperature { get; init; }

    /// <summary>The worst-case cost (USD) held for the adapted request.</summary>
    public required decimal WorstCase { get; init; }
}
