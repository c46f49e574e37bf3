using System.Text.Json;
using Tollgate.Metering;
using Tollgate.Providers.Streaming;

namespace Tollgate.Providers.Gemini;

/// <summary>
/// Translates <c>streamGenerateContent?alt=sse</c> (each event a partial GenerateContentResponse with
/// cumulative <c>usageMetadata</c>) into OpenAI <c>chat.completion.chunk</c> events, flushed as they arrive.
/// </summary>
internal sealed class GeminiStreamTranslator(string model, long created) : StreamTranslator
{
    private int _toolCalls;

    public override async Task CopyAsync(Stream upstream, Stream destination, CancellationToken cancellationToken)
    {
        using var reader = new SseReader(upstream);
        var chunks = new ChunkWriter(destination, "gemini", model, created);
        var started = false;
        var errored = false;
        while (await reader.ReadAsync(cancellationToken) is { } sse)
        {
            if (sse.Data.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(sse.Data);
            var root = document.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                chunks.Error(error.TryGetProperty("message", out var m) ? m.GetString() ?? "provider error" : "provider error", "upstream_error");
                errored = true;
                await chunks.FlushAsync(cancellationToken);
                break;
            }

            if (!started)
            {
                started = true;
                if (root.TryGetProperty("responseId", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    chunks.Id = id.GetString()!;
                }

                if (root.TryGetProperty("modelVersion", out var version) && version.ValueKind == JsonValueKind.String)
                {
                    chunks.Model = version.GetString()!;
                }

                chunks.Delta(w =>
                {
                    w.WriteString("role", "assistant");
                    w.WriteString("content", "");
                });
            }

            if (root.TryGetProperty("usageMetadata", out var metadata) && UsageDialect.BuiltIn("google", UsageWire.Gemini).ReadUsageObject(metadata) is { } usage)
            {
                Usage = usage;
            }

            var candidate = GeminiCandidate.Read(root);
            if (candidate.Text is { Length: > 0 } text)
            {
                chunks.Delta(w => w.WriteString("content", text));
            }

            foreach (var (callId, name, arguments) in candidate.FunctionCalls)
            {
                var index = _toolCalls++;
                chunks.Delta(w =>
                {
                    w.WriteStartArray("tool_calls");
                    w.WriteStartObject();
                    w.WriteNumber("index", index);
                    w.WriteString("id", callId ?? $"call_{index}");
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", name);
                    w.WriteString("arguments", arguments);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                });
            }

            if (candidate.RawFinishReason is { } raw)
            {
                FinishReason = GeminiCandidate.FinishReason(raw, _toolCalls > 0);
                chunks.Delta(_ => { }, FinishReason);
            }

            await chunks.FlushAsync(cancellationToken);
        }

        // Gemini has no end marker: the stream is complete when it ended after a finish reason.
        Completed = FinishReason is not null && !errored;
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
}
