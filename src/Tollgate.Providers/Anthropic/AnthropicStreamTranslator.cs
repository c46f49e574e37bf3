using System.Text.Json.Nodes;
using System.Text.Json;
using Tollgate.Metering;
using Tollgate.Providers.Streaming;

namespace Tollgate.Providers.Anthropic;

/// <summary>
/// Translates Anthropic's SSE events (<c>message_start</c>, <c>content_block_start/delta/stop</c>,
/// <c>message_delta</c>, <c>message_stop</c>, <c>error</c>) into OpenAI <c>chat.completion.chunk</c> events,
/// each written and flushed as it arrives. Usage is merged from <c>message_start</c> (input and cache) and
/// <c>message_delta</c> (cumulative output), so a cut-off stream still reports its input.
/// </summary>
internal sealed class AnthropicStreamTranslator(string model, long created) : StreamTranslator
{
    private readonly Dictionary<int, int> _toolIndexByBlock = [];
    private JsonObject? _usage;

    public override async Task CopyAsync(Stream upstream, Stream destination, CancellationToken cancellationToken)
    {
        using var reader = new SseReader(upstream);
        var chunks = new ChunkWriter(destination, "msg", model, created);
        var errored = false;
        while (await reader.ReadAsync(cancellationToken) is { } sse)
        {
            if (sse.Data.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(sse.Data);
            var data = document.RootElement;
            var type = sse.Name ?? (data.TryGetProperty("type", out var t) ? t.GetString() : null);
            switch (type)
            {
                case "message_start":
                    var message = data.GetProperty("message");
                    chunks.Id = message.TryGetProperty("id", out var id) ? id.GetString() ?? "msg" : "msg";
                    if (message.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String)
                    {
                        chunks.Model = m.GetString()!;
                    }

                    if (message.TryGetProperty("usage", out var startUsage))
                    {
                        MergeUsage(startUsage);
                    }

                    chunks.Delta(w =>
                    {
                        w.WriteString("role", "assistant");
                        w.WriteString("content", "");
                    });
                    break;
                case "content_block_start":
                    var block = data.GetProperty("content_block");
                    if (block.TryGetProperty("type", out var blockType) && blockType.ValueEquals("tool_use"u8))
                    {
                        var toolIndex = _toolIndexByBlock.Count;
                        _toolIndexByBlock[data.GetProperty("index").GetInt32()] = toolIndex;
                        var callId = block.GetProperty("id").GetString();
                        var name = block.GetProperty("name").GetString();
                        chunks.Delta(w => ToolCallDelta(w, toolIndex, callId, name, ""));
                    }
                    else if (block.TryGetProperty("text", out var initial) && initial.GetString() is { Length: > 0 } initialText)
                    {
                        chunks.Delta(w => w.WriteString("content", initialText));
                    }

                    break;
                case "content_block_delta":
                    var delta = data.GetProperty("delta");
                    var deltaType = delta.TryGetProperty("type", out var dt) ? dt.GetString() : null;
                    if (deltaType == "text_delta")
                    {
                        var text = delta.GetProperty("text").GetString();
                        chunks.Delta(w => w.WriteString("content", text));
                    }
                    else if (deltaType == "input_json_delta" && _toolIndexByBlock.TryGetValue(data.GetProperty("index").GetInt32(), out var index))
                    {
                        var partial = delta.GetProperty("partial_json").GetString();
                        chunks.Delta(w => ToolCallDelta(w, index, null, null, partial));
                    }

                    break;
                case "message_delta":
                    if (data.TryGetProperty("usage", out var deltaUsage))
                    {
                        MergeUsage(deltaUsage);
                    }

                    if (data.TryGetProperty("delta", out var messageDelta) && messageDelta.TryGetProperty("stop_reason", out var stop) && stop.ValueKind == JsonValueKind.String)
                    {
                        FinishReason = AnthropicResponseTranslator.FinishReason(stop.GetString());
                        chunks.Delta(_ => { }, FinishReason);
                    }

                    break;
                case "message_stop":
                    Completed = true;
                    break;
                case "error":
                    var error = data.TryGetProperty("error", out var e) ? e : data;
                    chunks.Error(
                        error.TryGetProperty("message", out var em) ? em.GetString() ?? "provider error" : "provider error",
                        error.TryGetProperty("type", out var et) ? et.GetString() ?? "upstream_error" : "upstream_error");
                    errored = true;
                    break;
            }

            await chunks.FlushAsync(cancellationToken);
            if (errored)
            {
                break;
            }
        }

        if (Usage is not null)
        {
            chunks.UsageChunk(Usage);
        }

        if (Completed)
        {
            chunks.Done();
        }
        else if (!errored)
        {
            chunks.Error("the provider's stream ended before it finished", "stream_interrupted");
        }

        await chunks.FlushAsync(cancellationToken);
    }

    private void MergeUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        _usage ??= [];
        Merge(_usage, JsonNode.Parse(usage.GetRawText()) as JsonObject ?? []);
        Usage = UsageDialect.BuiltIn("anthropic", UsageWire.AnthropicMessages).ReadUsageObject(JsonSerializer.SerializeToElement(_usage)) ?? Usage;
    }

    /// <summary>Later events carry cumulative counts: present, non-null fields replace earlier ones.</summary>
    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (name, value) in source.ToList())
        {
            if (value is null)
            {
                continue;
            }

            if (value is JsonObject nested && target[name] is JsonObject existing)
            {
                Merge(existing, nested);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }

    private static void ToolCallDelta(Utf8JsonWriter w, int index, string? id, string? name, string? arguments)
    {
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        if (id is not null)
        {
            w.WriteString("id", id);
            w.WriteString("type", "function");
        }

        w.WriteStartObject("function");
        if (name is not null)
        {
            w.WriteString("name", name);
        }

        w.WriteString("arguments", arguments ?? "");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }
}
