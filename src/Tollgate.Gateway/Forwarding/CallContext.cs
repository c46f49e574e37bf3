using Tollgate.Keys;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Everything known about one gateway call as it walks auth → route → reserve → forward → settle.</summary>
internal sealed class CallContext
{
    public required string RequestId { get; init; }

    public required VirtualKey Key { get; init; }

    /// <summary><c>chat</c>, <c>embeddings</c> or <c>messages</c> (GenAI operation names: chat / embeddings).</summary>
    public required string Operation { get; init; }

    public required string RequestedModel { get; init; }

    public required UpstreamEndpoint Endpoint { get; set; }

    public required string UpstreamModel { get; set; }

    public bool Stream { get; init; }

    /// <summary>Tags and session from the request's headers, recorded in the ledger.</summary>
    public RequestAttribution Attribution { get; init; } = RequestAttribution.None;

    /// <summary>The request's fingerprints (the same for every attempt), recorded for caching recommendations.</summary>
    public Metering.Fingerprints.RequestFingerprint? Fingerprint { get; set; }

    public long StartTimestamp { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Estimated input tokens (counted from the prompt).</summary>
    public long EstimatedInputTokens { get; set; }

    /// <summary>Worst-case output tokens (max_tokens or the model's limit).</summary>
    public long WorstCaseOutputTokens { get; set; }

    /// <summary>Completions asked for (<c>n</c>, <c>best_of</c>; at least 1): the worst-case output covers each.</summary>
    public int Choices { get; set; } = 1;

    /// <summary>Input tokens of the tool definitions (part of <see cref="EstimatedInputTokens"/>), what dropping tools saves.</summary>
    public long ToolTokens { get; set; }

    /// <summary>The request uses tools (a non-empty <c>tools</c> / <c>functions</c>).</summary>
    public bool HasTools { get; set; }

    public float? Temperature { get; set; }

    /// <summary>What an adaptive budget or emergency mode changed in the request (applied to the body before forwarding).</summary>
    public Budgets.BudgetAdaptation? Adaptation { get; set; }

    /// <summary>The output limit an adaptation adds when the request set none: the Responses API's, else <c>max_tokens</c>.</summary>
    public string AddedOutputLimit => Operation == "responses" ? "max_output_tokens" : "max_tokens";

    /// <summary>An automated response put the caller's scope in emergency mode (found on the first attempt, kept for retries).</summary>
    public bool ScopedEmergency { get; set; }

    /// <summary>The worst-case cost held against budgets before forwarding; null when no price covers the model.</summary>
    public decimal? WorstCaseCost { get; set; }

    /// <summary>The hold taken against budgets (null when no budget applies); owned by the accounting.</summary>
    public object? Hold { get; set; }

    /// <summary>The smallest remaining amount among the budgets that apply, after the hold; null when none apply.</summary>
    public decimal? BudgetRemaining { get; set; }

    public int Attempt { get; set; } = 1;

    /// <summary>
    /// Set when the call failed after the provider had the request (e.g. <c>upstream_timeout</c>): it is billed from
    /// Tollgate's own count, flagged estimated, and recorded with this error class.
    /// </summary>
    public string? FailureClass { get; set; }

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> by which the whole call must be done (the provider's total timeout).</summary>
    public long Deadline { get; set; } = long.MaxValue;

    /// <summary>The attempt's trace span when traces are exported.</summary>
    public System.Diagnostics.Activity? Activity { get; set; }

    /// <summary>True for <c>/v1/messages</c> (Anthropic-native) calls.</summary>
    public bool NativeMessages { get; init; }
}
