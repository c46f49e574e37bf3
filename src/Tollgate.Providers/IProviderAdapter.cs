namespace Tollgate.Providers;

/// <summary>
/// Sends an OpenAI-format chat request to one provider in its own wire format and gives the answer back in
/// OpenAI format (<c>chat.completion</c> or a <c>chat.completion.chunk</c> SSE stream), with the provider's
/// usage mapped onto one <see cref="Costing.Usage"/>.
/// </summary>
public interface IProviderAdapter
{
    /// <summary>The provider name (<c>openai</c>, <c>anthropic</c>, …).</summary>
    string Name { get; }

    ProviderApi Api { get; }

    /// <summary>The genai-prices provider id to price this provider's usage with; null when unpriced.</summary>
    string? PricingProviderId { get; }

    /// <summary>
    /// Sends the request. Upstream errors, timeouts and unreachable hosts are results (see
    /// <see cref="ProviderResponse.Failure"/>), not exceptions; only <paramref name="cancellationToken"/> throws.
    /// A non-streaming response is read completely; a stream is read as the caller copies it.
    /// </summary>
    ValueTask<ProviderResponse> SendChatAsync(ChatRequest request, CancellationToken cancellationToken = default);
}
