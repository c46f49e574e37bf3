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

    /// <summary>How long a cached response would serve identical requests (<c>response_cache</c>): a repeat within it is a hit.</summary>
    public TimeSpan ResponseCacheWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a provider keeps a cached prompt prefix after its last use (<c>prompt_caching</c>; Anthropic's and OpenAI's 5 minutes).</summary>
    public TimeSpan PromptCacheTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The shortest prefix a provider caches, per provider (its published minimum); others: <see cref="DefaultPromptCacheMinimumTokens"/>.</summary>
    public IReadOnlyDictionary<string, long> PromptCacheMinimumTokens { get; init; } = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase)
    {
        ["openai"] = 1024, ["azure"] = 1024, ["anthropic"] = 1024, ["google"] = 1024, ["deepseek"] = 64,
    };

    /// <summary>The shortest cacheable prefix for a provider not in <see cref="PromptCacheMinimumTokens"/>.</summary>
    public long DefaultPromptCacheMinimumTokens { get; init; } = 1024;
}
