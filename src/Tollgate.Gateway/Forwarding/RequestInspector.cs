using System.Text.Json;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Reads the top-level fields of an OpenAI / Anthropic request body with <see cref="Utf8JsonReader"/>: model,
/// stream, stream_options, token limits and where the prompt is. Invalid JSON is reported as a message.
/// </summary>
internal static class RequestInspector
{
    /// <summary>Fills <paramref name="info"/>; returns null on success or a message saying what is wrong with the body.</summary>
    public static string? Inspect(ReadOnlySpan<byte> body, out RequestInfo info)
    {
        info = default;
        info.StreamOptionsStart = -1;
        info.PromptStart = -1;
        info.SystemStart = -1;
        if (body.IsEmpty)
        {
            return "the request body is empty: send a JSON object";
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "the request body must be a JSON object";
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    info.ObjectEnd = (int)reader.TokenStartIndex;
                    break;
                }

                // PropertyName at depth 1.
                var name = reader.ValueSpan;
                var escaped = reader.ValueIsEscaped;
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                if (escaped)
                {
                    reader.Skip();
                    continue;
                }

                if (name.SequenceEqual("model"u8))
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return "\"model\" must be a string, e.g. \"gpt-4o-mini\"";
                    }

                    info.Model = reader.GetString();
                    info.ModelStart = start;
                    info.ModelLength = (int)reader.BytesConsumed - start;
                }
                else if (name.SequenceEqual("stream"u8))
                {
                    if (reader.TokenType is JsonTokenType.True)
                    {
                        info.Stream = true;
                    }
                    else if (reader.TokenType is not (JsonTokenType.False or JsonTokenType.Null))
                    {
                        return "\"stream\" must be true or false";
                    }
                }
                else if (name.SequenceEqual("stream_options"u8))
                {
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        var depth = reader.CurrentDepth;
                        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
                        {
                            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include_usage"u8))
                            {
                                reader.Read();
                                info.IncludeUsage = reader.TokenType == JsonTokenType.True;
                            }
                            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }

                    info.StreamOptionsStart = start;
                    info.StreamOptionsLength = (int)reader.BytesConsumed - start;
                }
                else if (name.SequenceEqual("max_tokens"u8) || name.SequenceEqual("max_completion_tokens"u8) || name.SequenceEqual("max_output_tokens"u8))
                {
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        if (!reader.TryGetInt64(out var max) || max < 0)
                        {
                            return $"\"{System.Text.Encoding.UTF8.GetString(name)}\" must be a non-negative integer";
                        }

                        info.MaxOutputTokens = info.MaxOutputTokens is { } existing ? Math.Max(existing, max) : max;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return $"\"{System.Text.Encoding.UTF8.GetString(name)}\" must be an integer";
                    }
                }
                else if (name.SequenceEqual("messages"u8) || name.SequenceEqual("input"u8) || name.SequenceEqual("contents"u8) || name.SequenceEqual("prompt"u8))
                {
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        info.InputCount = 1;
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        var depth = reader.CurrentDepth;
                        var count = 0;
                        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
                        {
                            count++;
                            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                            {
                                reader.Skip();
                            }
                        }

                        info.InputCount = count;
                    }
                    else
                    {
                        reader.Skip();
                    }

                    info.PromptStart = start;
                    info.PromptLength = (int)reader.BytesConsumed - start;
                }
                else if (name.SequenceEqual("system"u8) || name.SequenceEqual("tools"u8) || name.SequenceEqual("functions"u8))
                {
                    if (!name.SequenceEqual("system"u8) && IsNonEmptyArray(reader))
                    {
                        info.Needs |= RequestNeeds.Tools;
                    }

                    reader.Skip();
                    if (name.SequenceEqual("system"u8))
                    {
                        info.SystemStart = start;
                        info.SystemLength = (int)reader.BytesConsumed - start;
                    }
                    else
                    {
                        info.PromptBytes += (int)reader.BytesConsumed - start;
                    }
                }
                else if (name.SequenceEqual("response_format"u8))
                {
                    if (reader.TokenType == JsonTokenType.StartObject && AsksForJson(ref reader))
                    {
                        info.Needs |= RequestNeeds.JsonSchema;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            // Anything after the object other than whitespace is invalid JSON.
            if (reader.Read())
            {
                return "the request body has data after the JSON object";
            }
        }
        catch (JsonException ex)
        {
            return $"the request body is not valid JSON ({Describe(ex)}): send one JSON object";
        }

        info.PromptBytes += Math.Max(0, info.PromptLength) + Math.Max(0, info.SystemLength);
        if (HasImage(body, info.PromptStart, info.PromptLength) || HasImage(body, info.SystemStart, info.SystemLength))
        {
            info.Needs |= RequestNeeds.Vision;
        }

        return null;
    }

    private static bool IsNonEmptyArray(Utf8JsonReader reader)
    {
        // A copy: the caller's reader stays on the array's start to skip it.
        return reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType != JsonTokenType.EndArray;
    }

    /// <summary>Reads a <c>response_format</c> object to its end; true for <c>"type": "json_schema"</c> or <c>"json_object"</c>.</summary>
    private static bool AsksForJson(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var json = false;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                json = reader.TokenType == JsonTokenType.String && (reader.ValueTextEquals("json_schema"u8) || reader.ValueTextEquals("json_object"u8));
            }
            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return json;
    }

    /// <summary>
    /// Whether a prompt range holds an image content part: the string token <c>"image_url"</c>, <c>"input_image"</c>
    /// or <c>"image"</c> (a key or a type of the message structure). Text a user wrote cannot produce one: its
    /// quotes are escaped, and a match whose opening quote is escaped is skipped.
    /// </summary>
    private static bool HasImage(ReadOnlySpan<byte> body, int start, int length) =>
        start >= 0 && length > 0 &&
        (HasToken(body, start, length, "\"image_url\""u8) || HasToken(body, start, length, "\"input_image\""u8) || HasToken(body, start, length, "\"image\""u8));

    private static bool HasToken(ReadOnlySpan<byte> body, int start, int length, ReadOnlySpan<byte> token)
    {
        var end = start + length;
        while (start < end)
        {
            var found = body[start..end].IndexOf(token);
            if (found < 0)
            {
                return false;
            }

            var at = start + found;
            var backslashes = 0;
            while (at - backslashes - 1 >= 0 && body[at - backslashes - 1] == (byte)'\\')
            {
                backslashes++;
            }

            if (backslashes % 2 == 0)
            {
                return true;
            }

            start = at + 1;
        }

        return false;
    }

    private static string Describe(JsonException ex) =>
        ex.LineNumber is { } line && ex.BytePositionInLine is { } position ? $"line {line + 1}, byte {position + 1}" : "malformed";
}
