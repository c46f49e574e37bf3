using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Metering;

/// <summary>
/// Maps the usage blocks of the wire dialects (OpenAI chat, embeddings and responses; Anthropic messages) onto
/// <see cref="Usage"/>, reading with <see cref="Utf8JsonReader"/> so no DOM is built on the hot path. A count that
/// is not a non-negative integer (negative, fractional, a string, too large for a counter) is never billed as 0:
/// it sets <c>malformed</c>, and settlement bills the call from Tollgate's own count instead (see <see cref="UsageCheck"/>).
/// </summary>
public static class UsageReaders
{
    /// <summary>Reads an OpenAI <c>usage</c> object; the reader is on its StartObject and ends on its EndObject.</summary>
    public static void ReadOpenAiUsage(ref Utf8JsonReader reader, Usage usage, ref bool malformed)
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
                SetCount(ref reader, usage, UsageUnit.InputTokens, ref malformed);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                SetCount(ref reader, usage, UsageUnit.OutputTokens, ref malformed);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                ReadDetails(ref reader, usage, input: true, ref malformed);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
            {
                ReadDetails(ref reader, usage, input: false, ref malformed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>
    /// Reads an OpenAI embeddings <c>usage</c> object: input only (<c>prompt_tokens</c> / <c>input_tokens</c>), as the
    /// catalog's embeddings extractor does — an embedding produces no output, whatever else a provider puts there.
    /// </summary>
    public static void ReadOpenAiEmbeddingsUsage(ref Utf8JsonReader reader, Usage usage, ref bool malformed)
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
                SetCount(ref reader, usage, UsageUnit.InputTokens, ref malformed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>Reads an Anthropic <c>usage</c> object (input_tokens excludes cache reads/writes there; ours includes them).</summary>
    public static void ReadAnthropicUsage(ref Utf8JsonReader reader, Usage usage, ref bool malformed)
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
                uncached = ReadLong(ref reader, ref malformed);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                cacheRead = ReadLong(ref reader, ref malformed);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                cacheWrite = ReadLong(ref reader, ref malformed);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                if (ReadLong(ref reader, ref malformed) is { } output)
                {
                    usage.Set(UsageUnit.OutputTokens, output);
                }
            }
            else if (reader.ValueTextEquals("server_tool_use"u8))
            {
                // Server tools are billed per use: {"web_search_requests": N}.
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                var toolsDepth = reader.CurrentDepth;
                while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == toolsDepth))
                {
                    if (reader.TokenType != JsonTokenType.PropertyName)
                    {
                        continue;
                    }

                    if (reader.ValueTextEquals("web_search_requests"u8))
                    {
                        SetCount(ref reader, usage, UsageUnit.WebSearches, ref malformed);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
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
            usage.Set(UsageUnit.InputTokens, SaturatingSum(uncached ?? 0, cacheRead ?? 0, cacheWrite ?? 0));
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

    private static void ReadDetails(ref Utf8JsonReader reader, Usage usage, bool input, ref bool malformed)
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
                SetCount(ref reader, usage, UsageUnit.CacheReadTokens, ref malformed);
            }
            else if (input && reader.ValueTextEquals("cache_write_tokens"u8))
            {
                SetCount(ref reader, usage, UsageUnit.CacheWriteTokens, ref malformed);
            }
            else if (reader.ValueTextEquals("audio_tokens"u8))
            {
                SetCount(ref reader, usage, input ? UsageUnit.InputAudioTokens : UsageUnit.OutputAudioTokens, ref malformed);
            }
            else if (!input && reader.ValueTextEquals("reasoning_tokens"u8))
            {
                SetCount(ref reader, usage, UsageUnit.OutputReasoningTokens, ref malformed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void SetCount(ref Utf8JsonReader reader, Usage usage, UsageUnit unit, ref bool malformed)
    {
        if (ReadLong(ref reader, ref malformed) is { } value)
        {
            usage.Set(unit, value);
        }
    }

    /// <summary>A count; null (and <paramref name="malformed"/> set) for anything but a non-negative integer; null alone for JSON null.</summary>
    private static long? ReadLong(ref Utf8JsonReader reader, ref bool malformed)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0)
        {
            return value;
        }

        if (reader.TokenType != JsonTokenType.Null)
        {
            malformed = true;
        }

        reader.Skip();
        return null;
    }

    private static long SaturatingSum(long a, long b, long c)
    {
        var ab = a > long.MaxValue - b ? long.MaxValue : a + b;
        return ab > long.MaxValue - c ? long.MaxValue : ab + c;
    }
}
