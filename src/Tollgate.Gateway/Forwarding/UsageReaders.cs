using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Maps the usage blocks of the wire formats the gateway passes through (OpenAI chat/embeddings, Anthropic messages)
/// onto <see cref="Usage"/>, reading with <see cref="Utf8JsonReader"/> so no DOM is built on the hot path.
/// </summary>
internal static class UsageReaders
{
    /// <summary>Reads an OpenAI <c>usage</c> object; the reader is on its StartObject and ends on its EndObject.</summary>
    public static void ReadOpenAiUsage(ref Utf8JsonReader reader, Usage usage)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                SetCount(ref reader, usage, UsageUnit.InputTokens);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                SetCount(ref reader, usage, UsageUnit.OutputTokens);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                ReadDetails(ref reader, usage, input: true);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
            {
                ReadDetails(ref reader, usage, input: false);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>Reads an Anthropic <c>usage</c> object (input_tokens excludes cache reads/writes there; ours includes them).</summary>
    public static void ReadAnthropicUsage(ref Utf8JsonReader reader, Usage usage)
    {
        var depth = reader.CurrentDepth;
        long? uncached = null, cacheRead = null, cacheWrite = null;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (reader.ValueTextEquals("input_tokens"u8))
            {
                uncached = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                cacheRead = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                cacheWrite = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                if (ReadLong(ref reader) is { } output)
                {
                    usage.Set(UsageUnit.OutputTokens, output);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (uncached is not null || cacheRead is not null || cacheWrite is not null)
        {
            usage.Set(UsageUnit.InputTokens, (uncached ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0));
            if (cacheRead is { } read)
            {
                usage.Set(UsageUnit.CacheReadTokens, read);
            }

            if (cacheWrite is { } write)
            {
                usage.Set(UsageUnit.CacheWriteTokens, write);
            }
        }
    }

    private static void ReadDetails(ref Utf8JsonReader reader, Usage usage, bool input)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (input && reader.ValueTextEquals("cached_tokens"u8))
            {
                SetCount(ref reader, usage, UsageUnit.CacheReadTokens);
            }
            else if (reader.ValueTextEquals("audio_tokens"u8))
            {
                SetCount(ref reader, usage, input ? UsageUnit.InputAudioTokens : UsageUnit.OutputAudioTokens);
            }
            else if (!input && reader.ValueTextEquals("reasoning_tokens"u8))
            {
                SetCount(ref reader, usage, UsageUnit.OutputReasoningTokens);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void SetCount(ref Utf8JsonReader reader, Usage usage, UsageUnit unit)
    {
        if (ReadLong(ref reader) is { } value)
        {
            usage.Set(unit, value);
        }
    }

    private static long? ReadLong(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0)
        {
            return value;
        }

        reader.Skip();
        return null;
    }
}
