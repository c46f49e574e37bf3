using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Providers.OpenAICompatible;

/// <summary>
/// Maps an OpenAI chat-completions <c>usage</c> object onto <see cref="Usage"/> exactly as the genai-prices
/// <c>chat</c> extractor does (prompt_tokens is all input; cached and cache-write tokens are parts of it;
/// reasoning tokens are part of completion_tokens), and writes one back for translated responses.
/// </summary>
public static class OpenAIUsage
{
    /// <summary>
    /// The usage, or null when <paramref name="usage"/> is not a usage object with the required counts.
    /// <paramref name="pricingProviderId"/> picks that provider's dialect (genai-prices extractors differ: xAI's
    /// completion_tokens exclude reasoning, most providers report no cache writes); null reads OpenAI's.
    /// </summary>
    public static Usage? Read(JsonElement usage, string? pricingProviderId = null)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var dialect = Dialect.Of(pricingProviderId);
        var result = new Usage();
        if (!UsageJson.AddRequired(result, UsageUnit.InputTokens, usage, "prompt_tokens") ||
            !UsageJson.AddRequired(result, UsageUnit.OutputTokens, usage, "completion_tokens"))
        {
            return null;
        }

        var ok = (!dialect.CacheRead || UsageJson.AddOptional(result, UsageUnit.CacheReadTokens, usage, "prompt_tokens_details", "cached_tokens")) &&
                 (!dialect.CacheWrite || UsageJson.AddOptional(result, UsageUnit.CacheWriteTokens, usage, "prompt_tokens_details", "cache_write_tokens")) &&
                 (!dialect.InputAudio || UsageJson.AddOptional(result, UsageUnit.InputAudioTokens, usage, "prompt_tokens_details", "audio_tokens")) &&
                 (!dialect.OutputAudio || UsageJson.AddOptional(result, UsageUnit.OutputAudioTokens, usage, "completion_tokens_details", "audio_tokens")) &&
                 UsageJson.AddOptional(result, UsageUnit.OutputReasoningTokens, usage, "completion_tokens_details", "reasoning_tokens") &&
                 (!dialect.ReasoningOutsideCompletion || UsageJson.AddOptional(result, UsageUnit.OutputTokens, usage, "completion_tokens_details", "reasoning_tokens"));
        return ok ? result : null;
    }

    /// <summary>Which optional fields a provider's chat extractor maps (from the genai-prices catalog).</summary>
    private readonly record struct Dialect(bool CacheRead, bool CacheWrite, bool InputAudio, bool OutputAudio, bool ReasoningOutsideCompletion)
    {
        private static readonly Dialect OpenAI = new(true, true, true, true, false);

        public static Dialect Of(string? provider) => provider switch
        {
            "azure" => new(true, false, true, true, false),
            "deepseek" or "fireworks" => new(true, false, false, true, false),
            "groq" => new(true, false, true, true, false),
            "mistral" or "moonshotai" or "zai" or "zhipuai" or "minimax" => new(true, false, false, false, false),
            "cerebras" => new(false, false, false, false, false),
            "x-ai" => new(true, false, false, true, true),
            _ => OpenAI,
        };
    }

    /// <summary>Reads the <c>usage</c> of a whole <c>chat.completion</c> (or chunk) body.</summary>
    public static Usage? ReadFromBody(ReadOnlySpan<byte> body, string? pricingProviderId = null)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("usage", out var usage) ? Read(usage) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="usage"/> as an OpenAI <c>usage</c> property.</summary>
    public static void Write(Utf8JsonWriter writer, Usage usage)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.InputTokens);
        writer.WriteNumber("completion_tokens", usage.OutputTokens);
        writer.WriteNumber("total_tokens", usage.InputTokens + usage.OutputTokens);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", usage.CacheReadTokens);
        if (usage.IsReported(UsageUnit.CacheWriteTokens))
        {
            writer.WriteNumber("cache_write_tokens", usage.CacheWriteTokens);
        }

        if (usage.IsReported(UsageUnit.InputAudioTokens))
        {
            writer.WriteNumber("audio_tokens", usage[UsageUnit.InputAudioTokens]);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("completion_tokens_details");
        writer.WriteNumber("reasoning_tokens", usage.ReasoningTokens);
        if (usage.IsReported(UsageUnit.OutputAudioTokens))
        {
            writer.WriteNumber("audio_tokens", usage[UsageUnit.OutputAudioTokens]);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
