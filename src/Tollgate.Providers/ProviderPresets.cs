namespace Tollgate.Providers;

/// <summary>Public endpoints and key variables of the providers Tollgate speaks to out of the box.</summary>
public static class ProviderPresets
{
    private static readonly (string Name, ProviderApi Api, string? BaseUrl, string? KeyVariable, string? PricingId, string? Version, bool NeedsKey)[] Presets =
    [
        ("openai", ProviderApi.OpenAICompatible, "https://api.openai.com/v1", "OPENAI_API_KEY", "openai", null, true),
        ("azure", ProviderApi.AzureOpenAI, null, "AZURE_OPENAI_API_KEY", "azure", "2024-10-21", true),
        ("anthropic", ProviderApi.Anthropic, "https://api.anthropic.com", "ANTHROPIC_API_KEY", "anthropic", "2023-06-01", true),
        ("google", ProviderApi.Gemini, "https://generativelanguage.googleapis.com", "GEMINI_API_KEY", "google", null, true),
        ("groq", ProviderApi.OpenAICompatible, "https://api.groq.com/openai/v1", "GROQ_API_KEY", "groq", null, true),
        ("mistral", ProviderApi.OpenAICompatible, "https://api.mistral.ai/v1", "MISTRAL_API_KEY", "mistral", null, true),
        ("deepseek", ProviderApi.OpenAICompatible, "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "deepseek", null, true),
        ("together", ProviderApi.OpenAICompatible, "https://api.together.xyz/v1", "TOGETHER_API_KEY", "together", null, true),
        ("fireworks", ProviderApi.OpenAICompatible, "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY", "fireworks", null, true),
        ("x-ai", ProviderApi.OpenAICompatible, "https://api.x.ai/v1", "XAI_API_KEY", "x-ai", null, true),
        ("openrouter", ProviderApi.OpenAICompatible, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "openrouter", null, true),
        ("cerebras", ProviderApi.OpenAICompatible, "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", "cerebras", null, true),
        ("perplexity", ProviderApi.OpenAICompatible, "https://api.perplexity.ai", "PERPLEXITY_API_KEY", "perplexity", null, true),
        ("ollama", ProviderApi.OpenAICompatible, "http://localhost:11434/v1", null, null, null, false),
        ("vllm", ProviderApi.OpenAICompatible, "http://localhost:8000/v1", "VLLM_API_KEY", null, null, false),
    ];

    /// <summary>Preset names (<c>openai</c>, <c>azure</c>, <c>anthropic</c>, <c>google</c>, <c>groq</c>, …).</summary>
    public static IReadOnlyList<string> Names { get; } = Presets.Select(p => p.Name).ToArray();

    /// <summary>A fresh copy of the preset, or null for an unknown name (<c>gemini</c> and <c>xai</c> are accepted aliases). Azure has no public base URL: set it.</summary>
    public static ProviderOptions? Get(string name)
    {
        name = name.ToLowerInvariant() switch
        {
            "gemini" => "google",
            "xai" => "x-ai",
            _ => name,
        };
        foreach (var p in Presets)
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return new ProviderOptions
                {
                    Name = p.Name,
                    Api = p.Api,
                    BaseUrl = p.BaseUrl is null ? null : new Uri(p.BaseUrl),
                    ApiKeyEnvironmentVariable = p.KeyVariable,
                    PricingProviderId = p.PricingId,
                    ApiVersion = p.Version,
                    RequiresApiKey = p.NeedsKey,
                };
            }
        }

        return null;
    }

    /// <summary>Every preset, fresh copies.</summary>
    public static IReadOnlyList<ProviderOptions> All() => Names.Select(n => Get(n)!).ToArray();
}
