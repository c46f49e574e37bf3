using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Providers.OpenAICompatible;

/// <summary>
/// Writes a <see cref="Usage"/> as an OpenAI chat-completions <c>usage</c> object for translated responses (reading
/// usage is the provider's <see cref="Metering.UsageDialect"/>).
/// </summary>
public static class OpenAIUsage
{
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
