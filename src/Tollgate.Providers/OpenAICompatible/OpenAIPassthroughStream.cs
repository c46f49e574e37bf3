using System.Buffers;
using System.Text.Json;
using Tollgate.Metering;
using Tollgate.Providers.Streaming;

namespace Tollgate.Providers.OpenAICompatible;

/// <summary>
/// Passes an OpenAI-compatible SSE stream through byte for byte, flushing each read as it arrives, while
/// scanning complete <c>data:</c> lines for the usage chunk, the finish reason and <c>[DONE]</c>.
/// Only lines that carry a usage object or a finish reason are parsed.
/// </summary>
internal sealed class OpenAIPassthroughStream(string? pricingProviderId) : StreamTranslator
{
    private readonly ArrayBufferWriter<byte> _partialLine = new(256);

    public override async Task CopyAsync(Stream upstream, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await upstream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await destination.FlushAsync(cancellationToken);
                Scan(buffer.AsSpan(0, read));
            }

            if (_partialLine.WrittenCount > 0)
            {
                OnLine(_partialLine.WrittenSpan);
                _partialLine.Clear();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Feeds bytes; complete lines are inspected, a trailing partial line is kept for the next read.</summary>
    internal void Scan(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                _partialLine.Write(bytes);
                return;
            }

            var line = bytes[..newline];
            if (_partialLine.WrittenCount > 0)
            {
                _partialLine.Write(line);
                OnLine(_partialLine.WrittenSpan);
                _partialLine.Clear();
            }
            else
            {
                OnLine(line);
            }

            bytes = bytes[(newline + 1)..];
        }
    }

    private void OnLine(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (!line.StartsWith("data:"u8))
        {
            return;
        }

        var data = line[5..].TrimStart((byte)' ');
        if (data.SequenceEqual("[DONE]"u8))
        {
            Completed = true;
            return;
        }

        var hasUsage = ValueFollows(data, "\"usage\""u8, (byte)'{');
        var hasFinish = ValueFollows(data, "\"finish_reason\""u8, (byte)'"');
        if (!hasUsage && !hasFinish)
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (hasUsage && root.TryGetProperty("usage", out var usage) && UsageDialect.BuiltIn(pricingProviderId, UsageWire.OpenAiChat).ReadUsageObject(usage) is { } observed)
            {
                Usage = observed;
            }

            if (hasFinish && root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
                    {
                        FinishReason = finish.GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not ours to judge: the bytes were already passed through; a malformed line carries no usage.
        }
    }

    /// <summary>True when <paramref name="key"/> occurs followed (after optional spaces and a colon) by <paramref name="start"/>.</summary>
    private static bool ValueFollows(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key, byte start)
    {
        while (true)
        {
            var at = data.IndexOf(key);
            if (at < 0)
            {
                return false;
            }

            var rest = data[(at + key.Length)..].TrimStart((byte)' ');
            if (!rest.IsEmpty && rest[0] == ':')
            {
                rest = rest[1..].TrimStart((byte)' ');
                if (!rest.IsEmpty && rest[0] == start)
                {
                    return true;
                }
            }

            data = data[(at + key.Length)..];
        }
    }
}
