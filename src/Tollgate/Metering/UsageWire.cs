namespace Tollgate.Metering;

/// <summary>The response dialects whose usage Tollgate reads (each maps to a catalog API flavour per provider).</summary>
public enum UsageWire
{
    /// <summary>OpenAI chat completions (<c>usage.prompt_tokens</c>…), flavour <c>chat</c> (or the provider's OpenAI-shaped <c>default</c>).</summary>
    OpenAiChat,

    /// <summary>OpenAI Responses (<c>usage.input_tokens</c>…), flavour <c>responses</c>.</summary>
    OpenAiResponses,

    /// <summary>OpenAI embeddings (input only), flavour <c>embeddings</c>.</summary>
    OpenAiEmbeddings,

    /// <summary>Anthropic messages, flavour <c>anthropic</c> (cloud resellers) or Anthropic's own <c>default</c>.</summary>
    AnthropicMessages,

    /// <summary>Gemini <c>generateContent</c> (<c>usageMetadata</c>), Google's <c>default</c> flavour.</summary>
    Gemini,
}
