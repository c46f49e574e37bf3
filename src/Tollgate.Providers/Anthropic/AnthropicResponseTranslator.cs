using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Metering;
using Tollgate.Providers.OpenAICompatible;

namespace Tollgate.Providers.Anthropic;

/// <summary>Translates an Anthropic Messages response into an OpenAI <c>chat.completion</c>.</summary>
internal static class AnthropicResponseTranslator
{
    public static (byte[] Body, Usage? Usage, string? FinishReason) Translate(byte[] body, string model, long created)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var usage = root.TryGetProperty("usage", out var u) ? UsageDialect.BuiltIn("anthropic", UsageWire.AnthropicMessages).ReadUsageObject(u) : null;
        var finish = FinishReason(root.TryGetProperty("stop_reason", out var stop) && stop.ValueKind == JsonValueKind.String ? stop.GetString() : null);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", root.TryGetProperty("id", out var id) ? id.GetString() : "msg");
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", created);
            writer.WriteString("model", root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            var text = new System.Text.StringBuilder();
            var hasText = false;
            var toolCalls = new List<JsonElement>();
            if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (var block in content.EnumerateArray())
                {
                    var type = block.TryGetProperty("type", out var t) ? t.GetString() : null;
                    if (type == "text")
                    {
                        text.Append(block.GetProperty("text").GetString());
                        hasText = true;
                    }
                    else if (type == "tool_use")
                    {
                        toolCalls.Add(block);
                    }
                }
            }

            if (hasText)
            {
                writer.WriteString("content", text.ToString());
            }
            else
            {
                writer.WriteNull("content");
            }

            if (toolCalls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var call in toolCalls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", call.GetProperty("id").GetString());
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", call.GetProperty("name").GetString());
                    writer.WriteString("arguments", call.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteNull("refusal");
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", finish ?? "stop");
            writer.WriteEndObject();
            writer.WriteEndArray();
            if (usage is not null)
            {
                OpenAIUsage.Write(writer, usage);
            }

            writer.WriteEndObject();
        }

        return (buffer.ToArray(), usage, finish ?? "stop");
    }

    /// <summary>Anthropic <c>stop_reason</c> → OpenAI <c>finish_reason</c>.</summary>
    public static string? FinishReason(string? stopReason) => stopReason switch
    {
        null => null,
        "end_turn" or "stop_sequence" or "pause_turn" => "stop",
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop",
    };
}
