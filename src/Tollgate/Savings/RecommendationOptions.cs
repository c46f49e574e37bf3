using Tollgate.Pricing;

namespace Tollgate.Savings;

/// <summary>What counts as worth recommending, and the facts the catalog does not hold (which traffic is not urgent, batch discounts).</summary>
public sealed record RecommendationOptions
{
    /// <summary>Smaller savings over the period are not recommended.</summary>
    public decimal MinimumSavingUsd { get; init; } = 1m;

    /// <summary>Savings below this share of the scope's cost are not recommended (noise, not a plan).</summary>
    public decimal MinimumSavingPercent { get; init; } = 5m;

    /// <summary>Tags (<c>key=value</c>) marking traffic that may wait: batch candidates.</summary>
    public IReadOnlyList<string> NonUrgentTags { get; init; } = ["priority=batch", "urgency=low"];

    /// <summary>Virtual key ids whose traffic may wait.</summary>
    public IReadOnlyList<string> NonUrgentKeys { get; init; } = [];

    /// <summary>Batch API discounts per provider (the providers' published 50 % unless configured otherwise).</summary>
    public IReadOnlyList<BatchDiscount> BatchDiscounts { get; init; } =
        [new("openai", 50), new("anthropic", 50), new("google", 50), new("azure", 50), new("mistral", 50), new("groq", 25)];

    /// <summary>Providers a recommendation may move traffic to; null: those that served calls in the period.</summary>
    public IReadOnlyList<string>? Providers { get; init; }

    /// <summary>How many candidate models per group are repriced call by call (the cheapest by the group's summed usage).</summary>
    public int CandidatesPerGroup { get; init; } = 3;
}
