namespace Tollgate.Providers;

/// <summary>The wire format a provider speaks.</summary>
public enum ProviderApi
{
    /// <summary>OpenAI chat completions (<c>POST {base}/chat/completions</c>, bearer key): OpenAI, Groq, Mistral, DeepSeek, Together, Fireworks, xAI, OpenRouter, Ollama, vLLM.</summary>
    OpenAICompatible,

    /// <summary>Azure OpenAI deployments (<c>{base}/openai/deployments/{deployment}/chat/completions?api-version=…</c>, <c>api-key</c> header).</summary>
    AzureOpenAI,

    /// <summary>Anthropic Messages (<c>POST {base}/v1/messages</c>, base <c>https://api.anthropic.com</c>).</summary>
    Anthropic,

    /// <summary>Google Gemini <c>generateContent</c> / <c>streamGenerateContent?alt=sse</c>.</summary>
    Gemini,
}
