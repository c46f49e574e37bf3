namespace Tollgate.Routing;

/// <summary>What a call needs, as routing sees it.</summary>
public sealed record RouteRequest
{
    /// <summary>The requested model; <c>provider/model</c> pins a provider (e.g. <c>anthropic/claude-haiku-4-5</c>).</summary>
    public required string Model { get; init; }

    public GenerationType Type { get; init; } = GenerationType.Chat;

    /// <summary>Prompt tokens (counted or estimated).</summary>
    public long InputTokens { get; init; }

    /// <summary>
    /// The most the answer may take (max_tokens); 0 when the request sets none: each candidate's worst case then uses
    /// <see cref="Metering.OutputBound"/>'s rule (its maximum output, else what its context window leaves), as holds do.
    /// </summary>
    public long MaxOutputTokens { get; init; }

    /// <summary>Completions asked for (<c>n</c>): each is billed, so the worst case's output is multiplied by it.</summary>
    public int Choices { get; init; } = 1;

    public bool NeedsVision { get; init; }

    public bool NeedsTools { get; init; }

    public bool NeedsJsonSchema { get; init; }

    /// <summary>Minimum quality tier; null means the requested model's tier.</summary>
    public int? MinimumQualityTier { get; init; }

    /// <summary>Per-request limit: candidates whose worst-case cost exceeds it are excluded.</summary>
    public decimal? BudgetLimit { get; init; }

    /// <summary>What remains of the tightest budget that applies (from the budget engine); null when unlimited.</summary>
    public decimal? RemainingBudget { get; init; }

    /// <summary>Overrides <see cref="RoutingOptions.AllowSubstitution"/> for this request.</summary>
    public bool? AllowSubstitution { get; init; }

    /// <summary>Overrides <see cref="RoutingOptions.EmergencyMode"/> for this request (e.g. the budget engine switched to emergency).</summary>
    public bool? Emergency { get; init; }

    /// <summary>When the call is made (prices in force then).</summary>
    public DateTimeOffset? Timestamp { get; init; }
}
