namespace Tollgate.Gateway.Forwarding;

/// <summary>Providers available from an API key in the environment alone: catalog id, key variable, public base URL, wire format.</summary>
internal static class KnownProviders
{
    public static readonly IReadOnlyList<(string Name, string KeyVariable, string BaseUrl, WireFormat Format)> All =
    [
        ("openai", "OPENAI_API_KEY", "https://api.openai.com/v1", WireFormat.OpenAI),
        ("anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com/v1", WireFormat.Anthropic),
        ("google", "GEMINI_API_KEY", "https://generativelanguage.googleapis.com/v1beta", WireFormat.Gemini),
        ("mistral", "MISTRAL_API_KEY", "https://api.mistral.ai/v1", WireFormat.OpenAI),
        ("groq", "GROQ_API_KEY", "https://api.groq.com/openai/v1", WireFormat.OpenAI),
        ("deepseek", "DEEPSEEK_API_KEY", "https://api.deepseek.com/v1", WireFormat.OpenAI),
        ("x-ai", "XAI_API_KEY", "https://api.x.ai/v1", WireFormat.OpenAI),
        ("together", "TOGETHER_API_KEY", "https://api.together.xyz/v1", WireFormat.OpenAI),
        ("fireworks", "FIREWORKS_API_KEY", "https://api.fireworks.ai/inference/v1", WireFormat.OpenAI),
        ("openrouter", "OPENROUTER_API_KEY", "https://openrouter.ai/api/v1", WireFormat.OpenAI),
        ("cerebras", "CEREBRAS_API_KEY", "https://api.cerebras.ai/v1", WireFormat.OpenAI),
        ("perplexity", "PERPLEXITY_API_KEY", "https://api.perplexity.ai", WireFormat.OpenAI),
    ];

    public static (string Name, string KeyVariable, string BaseUrl, WireFormat Format)? Find(string name)
    {
        foreach (var p in All)
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) ||
                (name.Equals("gemini", StringComparison.OrdinalIgnoreCase) && p.Name == "google"))
            {
                return p;
            }
        }

        return null;
    }

    public static WireFormat? ParseFormat(string? format) => format?.ToLowerInvariant() switch
    {
        null or "" => null,
        "openai" => WireFormat.OpenAI,
        "anthropic" => WireFormat.Anthropic,
        "gemini" or "google" => WireFormat.Gemini,
        _ => throw new ArgumentException($"unknown format '{format}': use openai, anthropic or gemini"),
    };
}
