namespace Tollgate.Extensions.AI;

/// <summary>Settings of one <see cref="TollgateChatClient"/> or <see cref="TollgateEmbeddingGenerator"/>.</summary>
public sealed class TollgateChatClientOptions
{
    /// <summary>
    /// The provider calls are priced and budgeted as (a catalog provider id such as <c>openai</c>, <c>anthropic</c>).
    /// Null takes the inner client's <c>ChatClientMetadata.ProviderName</c>.
    /// </summary>
    public string? Provider { get; set; }

    /// <summary>The model when neither the call's options nor the inner client's metadata name one.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>Output tokens held for a call without <c>MaxOutputTokens</c> whose model's maximum and context window are not known (<see cref="Metering.OutputBound"/>, the gateway's rule too).</summary>
    public const int UnknownModelMaxOutputTokens = Metering.OutputBound.UnknownModelMaxOutputTokens;

    /// <summary>
    /// Output tokens held for a call that sets no <c>MaxOutputTokens</c>; null (the default) holds the model's maximum
    /// output (<see cref="Metering.OutputBound"/>: the model's limit, else what its context window leaves after the prompt,
    /// else <see cref="UnknownModelMaxOutputTokens"/>). When a budget applies, Tollgate also sends this limit (or the
    /// model's known maximum) to the provider, so the hold is a true bound on what the call can cost.
    /// </summary>
    public int? DefaultMaxOutputTokens { get; set; }

    /// <summary>A cheaper model adaptive budgets may switch a call to (priced from the same catalog).</summary>
    public string? FallbackModel { get; set; }

    /// <summary>Attribution every call of this client carries unless a scope or the call's properties say otherwise.</summary>
    public TollgateAttribution Attribution { get; set; } = TollgateAttribution.Empty;

    /// <summary>
    /// Calls to a model no price covers: refused when an enforcing budget applies (the default), or allowed unheld.
    /// To budget such a model, give it a price instead (<c>PricingOptions.FallbackPrices</c> or an override file):
    /// the hold and the bill then use that price.
    /// </summary>
    public UnpricedModelPolicy UnpricedModels { get; set; } = UnpricedModelPolicy.RefuseUnderEnforcedBudget;

    /// <summary>Recorded in the ledger as the call's virtual key id (never a secret).</summary>
    public string? KeyId { get; set; }

    /// <summary>
    /// Records each call's request and prompt-prefix fingerprints (hashes of the canonical request, never its text) for
    /// the response-cache and prompt-caching recommendations (default on, as the gateway's <c>requestFingerprints</c>);
    /// false saves their CPU per call, and those recommendations then find nothing in this client's calls.
    /// </summary>
    public bool RequestFingerprints { get; set; } = true;

    /// <summary>Problems with these settings, each saying what to fix (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DefaultMaxOutputTokens is < 1)
        {
            errors.Add($"DefaultMaxOutputTokens must be at least 1 (got {DefaultMaxOutputTokens})");
        }

        if (Provider is { } provider && string.IsNullOrWhiteSpace(provider))
        {
            errors.Add("Provider must not be blank: leave it null to use the inner client's provider name");
        }

        if (!Enum.IsDefined(UnpricedModels))
        {
            errors.Add($"UnpricedModels must be one of {string.Join(", ", Enum.GetNames<UnpricedModelPolicy>())} (got {(int)UnpricedModels})");
        }

        if (Attribution is null)
        {
            errors.Add("Attribution must not be null: use TollgateAttribution.Empty");
        }

        return errors;
    }

    internal TollgateChatClientOptions EnsureValid()
    {
        var errors = Validate();
        return errors.Count == 0 ? this : throw new ArgumentException("Invalid Tollgate client options: " + string.Join("; ", errors));
    }
}
