using System.Buffers;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Providers.OpenAICompatible;

namespace Tollgate.Providers.Streaming;

/// <summary>Writes OpenAI <c>chat.completion.chunk</c> SSE events for translated streams.</summary>
internal sealed class ChunkWriter(Stream destination, string id, string model, long created)
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private bool _pending;

    public string Id { get; set; } = id;

    public string Model { get; set; } = model;

    /// <summary>A chunk with one choice whose delta is written by <paramref name="writeDelta"/>.</summary>
    public void Delta(Action<Utf8JsonWriter> writeDelta, string? finishReason = null)
    {
        Write(writer =>
        {
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            writeDelta(writer);
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            if (finishReason is null)
            {
                writer.WriteNull("finish_reason");
            }
            else
            {
                writer.WriteString("finish_reason", finishReason);
            }

            writer.WriteEndObject();
            writer.WriteEndArray();
        });
    }

    /// <summary>The final chunk carrying usage and no choices (what OpenAI sends with <c>include_usage</c>).</summary>
    public void UsageChunk(Usage usage) => Write(writer =>
    {
        writer.WriteStartArray("choices");
        writer.WriteEndArray();
        OpenAIUsage.Write(writer, usage);
    });

    public void Error(string message, string type)
    {
        _buffer.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(_buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        _buffer.Write("\n\n"u8);
        _pending = true;
    }

    public void Done()
    {
        _buffer.Write("data: [DONE]\n\n"u8);
        _pending = true;
    }

    /// <summary>Sends what was written since the last flush, and flushes the destination.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (!_pending)
        {
            return;
        }

        await destination.WriteAsync(_buffer.WrittenMemory, cancellationToken);
        await destination.FlushAsync(cancellationToken);
        _buffer.Clear();
        _pending = false;
    }

    private void Write(Action<Utf8JsonWriter> body)
    {
        _buffer.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(_buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteString("object", "chat.completion.chunk");
            writer.WriteNumber("created", created);
            writer.WriteString("model", Model);
            body(writer);
            writer.WriteEndObject();
        }

        _buffer.Write("\n\n"u8);
        _pending = true;
    }
}
