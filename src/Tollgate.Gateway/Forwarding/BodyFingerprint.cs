using System.Buffers;
using System.Text.Json;
using Tollgate.Metering.Fingerprints;
using Tollgate.Tokens;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// The gateway's adapter to <see cref="CanonicalRequest"/>: one pass over a request body (already validated) in any of
/// the doors' dialects — chat and Responses messages or items, Anthropic's <c>system</c> and content blocks with their
/// <c>cache_control</c> breakpoints, embeddings inputs — feeding text as text, other parts as their JSON, and the
/// parameters that change the output under one name each (<c>max_tokens</c>, <c>max_completion_tokens</c> and
/// <c>max_output_tokens</c> are all <c>max_output_tokens</c>; <c>stop_sequences</c> is <c>stop</c>).
/// </summary>
internal static class BodyFingerprint
{
    private const int MaxStackText = 512;

    public static RequestFingerprint Compute(ReadOnlySpan<byte> body, string model, ProxyOperation operation, ModelTokenizer tokenizer)
    {
        var canon = CanonicalRequest.Begin(model);
        var reader = new Utf8JsonReader(body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                Messages(ref reader, canon);
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                Input(ref reader, canon, operation == ProxyOperation.Embeddings);
            }
            else if (reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("instructions"u8))
            {
                reader.Read();
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.StartArray)
                {
                    canon.BeginSection();
                    Content(ref reader, canon);
                    canon.EndSystem();
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8))
            {
                reader.Read();
                Tools(ref reader, canon);
            }
            else if (ParameterName(ref reader) is { } name)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                var text = ParameterText(ref reader, name);
                if (!(name == "n" && text == "1"))
                {
                    // n = 1 asks for what no n asks for.
                    canon.Parameter(name, text);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return canon.Finish(tokenizer, withPrefix: operation != ProxyOperation.Embeddings);
    }

    /// <summary>A parameter's canonical text; numbers and strings read in place (the common case: no document).</summary>
    private static string ParameterText(ref Utf8JsonReader reader, string name)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetDouble(out var number):
                return CanonicalValues.Number(number);
            case JsonTokenType.String when name == "stop":
                return CanonicalValues.Stop([reader.GetString()!]);
            case JsonTokenType.String:
                return reader.GetString()!;
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            default:
                using (var value = JsonDocument.ParseValue(ref reader))
                {
                    return CanonicalValues.Of(value.RootElement);
                }
        }
    }

    /// <summary>The canonical name of an output-changing parameter; null for a member that is none (stream, user, metadata…).</summary>
    private static string? ParameterName(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_output_tokens"u8) ? "max_output_tokens"
        : reader.ValueTextEquals("stop"u8) || reader.ValueTextEquals("stop_sequences"u8) ? "stop"
        : reader.ValueTextEquals("temperature"u8) ? "temperature"
        : reader.ValueTextEquals("top_p"u8) ? "top_p"
        : reader.ValueTextEquals("top_k"u8) ? "top_k"
        : reader.ValueTextEquals("seed"u8) ? "seed"
        : reader.ValueTextEquals("n"u8) ? "n"
        : reader.ValueTextEquals("frequency_penalty"u8) ? "frequency_penalty"
        : reader.ValueTextEquals("presence_penalty"u8) ? "presence_penalty"
        : reader.ValueTextEquals("response_format"u8) ? "response_format"
        : reader.ValueTextEquals("text"u8) ? "text"
        : reader.ValueTextEquals("tool_choice"u8) ? "tool_choice"
        : reader.ValueTextEquals("reasoning_effort"u8) ? "reasoning_effort"
        : reader.ValueTextEquals("reasoning"u8) ? "reasoning"
        : reader.ValueTextEquals("thinking"u8) ? "thinking"
        : reader.ValueTextEquals("logit_bias"u8) ? "logit_bias"
        : reader.ValueTextEquals("dimensions"u8) ? "dimensions"
        : reader.ValueTextEquals("encoding_format"u8) ? "encoding_format"
        : reader.ValueTextEquals("modalities"u8) ? "modalities"
        : null;

    private static void Messages(ref Utf8JsonReader reader, CanonicalRequest canon)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Message(ref reader, canon);
        }
    }

    /// <summary>One message (or Responses item) object: its role, content, and the tool calls it makes.</summary>
    private static void Message(ref Utf8JsonReader reader, CanonicalRequest canon)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        canon.BeginSection();
        var role = "user";
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                role = reader.TokenType == JsonTokenType.String ? reader.GetString()! : role;
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                Content(ref reader, canon);
            }
            else if (reader.ValueTextEquals("tool_calls"u8) && reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    using var call = JsonDocument.ParseValue(ref reader);
                    var function = call.RootElement.TryGetProperty("function", out var f) ? f : call.RootElement;
                    canon.Value("call", CanonicalValues.Json(function));
                }
            }
            else if (reader.ValueTextEquals("type"u8) || reader.ValueTextEquals("name"u8) || reader.ValueTextEquals("arguments"u8) || reader.ValueTextEquals("output"u8))
            {
                // A Responses item that is no message (function_call, function_call_output…): its fields are its content.
                var key = reader.GetString()!;
                reader.Read();
                using var value = JsonDocument.ParseValue(ref reader);
                if (!(key == "type" && value.RootElement.ValueKind == JsonValueKind.String && value.RootElement.ValueEquals("message"u8)))
                {
                    canon.Value(key, CanonicalValues.Json(value.RootElement));
                }
            }
            else
            {
                // Ids (id, call_id, tool_call_id) and annotations change from run to run without changing the request.
                reader.Read();
                reader.Skip();
            }
        }

        canon.EndMessage(role);
    }

    /// <summary>Message content: a string, or parts — text parts as text, other parts as their JSON; a <c>cache_control</c> marks a breakpoint.</summary>
    private static void Content(ref Utf8JsonReader reader, CanonicalRequest canon)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            Text(ref reader, canon);
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                Text(ref reader, canon);
                continue;
            }

            using var part = JsonDocument.ParseValue(ref reader);
            var element = part.RootElement;
            if (element.ValueKind != JsonValueKind.Object)
            {
                canon.Value("part", CanonicalValues.Json(element));
                continue;
            }

            if (element.TryGetProperty("cache_control", out _))
            {
                canon.MarkBreakpoint();
            }

            var type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type is "text" or "input_text" or "output_text" && element.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                canon.Text(text.GetString());
            }
            else
            {
                canon.Value(type ?? "part", CanonicalValues.Json(element, except: "cache_control"));
            }
        }
    }

    /// <summary>Responses input (a string or items) or embeddings input (a string, strings, or token arrays).</summary>
    private static void Input(ref Utf8JsonReader reader, CanonicalRequest canon, bool embeddings)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            canon.BeginSection();
            Text(ref reader, canon);
            canon.EndMessage(embeddings ? "input" : "user");
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (embeddings || reader.TokenType != JsonTokenType.StartObject)
            {
                canon.BeginSection();
                if (reader.TokenType == JsonTokenType.String)
                {
                    Text(ref reader, canon);
                }
                else
                {
                    using var tokens = JsonDocument.ParseValue(ref reader);
                    canon.Value("tokens", CanonicalValues.Json(tokens.RootElement));
                }

                canon.EndMessage("input");
            }
            else
            {
                Message(ref reader, canon);
            }
        }
    }

    private static void Tools(ref Utf8JsonReader reader, CanonicalRequest canon)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            using var tool = JsonDocument.ParseValue(ref reader);
            var element = tool.RootElement;
            if (element.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var breakpoint = element.TryGetProperty("cache_control", out _);
            // Chat nests the function ({"type":"function","function":{…}}); Responses and Anthropic do not.
            var function = element.TryGetProperty("function", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : element;
            if (function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            {
                var description = function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                JsonElement? schema = function.TryGetProperty("parameters", out var p) ? p : function.TryGetProperty("input_schema", out var s) ? s : null;
                canon.Tool(name.GetString()!, description, schema, breakpoint);
            }
            else
            {
                // A built-in tool (web search, code interpreter…): its whole definition.
                canon.BeginSection();
                canon.Value("definition", CanonicalValues.Json(element, except: "cache_control"));
                if (breakpoint)
                {
                    canon.MarkBreakpoint();
                }

                canon.EndTool();
            }
        }
    }

    /// <summary>A string token's unescaped UTF-8 as text content, without a string for short ones.</summary>
    private static void Text(ref Utf8JsonReader reader, CanonicalRequest canon)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            canon.Text(reader.ValueSpan);
            return;
        }

        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        byte[]? rented = null;
        var buffer = length <= MaxStackText ? stackalloc byte[MaxStackText] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            canon.Text(buffer[..reader.CopyString(buffer)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
