using System.Buffers;
using System.IO.Pipelines;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Passes a provider's server-sent events to the client as they arrive, one read at a time, complete events only,
/// while the <see cref="ResponseObserver"/> watches each event's JSON. The event that carries usage gets the
/// gateway's cost appended (<c>"tollgate": {…}</c>) before it is forwarded; every other byte is passed unchanged.
/// </summary>
internal static class SseRelay
{
    /// <summary>How a relayed stream ended.</summary>
    internal enum End
    {
        /// <summary>The provider finished (<c>[DONE]</c> or end of body after its usage).</summary>
        Completed,

        /// <summary>The provider's side stopped early (connection dropped or error mid-stream).</summary>
        UpstreamCut,

        /// <summary>The client went away.</summary>
        ClientGone,
    }

    /// <summary>Builds the JSON object appended to the usage event: <c>{"request_id": …, "cost": "…", …}</c>.</summary>
    internal delegate void CostAnnotator(ResponseObserver observer, PooledBuffer output);

    /// <summary>
    /// Relays the stream. With <paramref name="heldBack"/>, the stream's last event (<c>data: [DONE]</c>, Anthropic's
    /// <c>message_stop</c>, the Responses API's <c>response.completed</c> / <c>incomplete</c> / <c>failed</c>) and
    /// everything after it go there instead of to the client: the caller sends them once the call is recorded, so a
    /// client never sees a stream end that a crash could leave out of the ledger.
    /// </summary>
    public static async Task<End> RelayAsync(Stream upstream, PipeWriter client, ResponseObserver observer, CostAnnotator annotate, CancellationToken cancellationToken, PooledBuffer? heldBack = null)
    {
        using var pending = new PooledBuffer(16 * 1024);
        using var rewritten = new PooledBuffer(1024);
        var scanFrom = 0;
        var holding = false;
        while (true)
        {
            int read;
            try
            {
                read = await upstream.ReadAsync(pending.GetMemory(8 * 1024), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return End.ClientGone;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                return End.UpstreamCut;
            }

            if (read == 0)
            {
                // Forward any trailing partial event as-is.
                if (pending.Length > 0)
                {
                    if (heldBack is not null)
                    {
                        heldBack.Write(pending.Span);
                    }
                    else
                    {
                        client.Write(pending.Span);
                        await client.FlushAsync(cancellationToken);
                    }
                }

                return observer.SawDone || observer.UsageReported ? End.Completed : End.UpstreamCut;
            }

            pending.Advance(read);
            var consumed = ProcessCompleteEvents(pending.Span, ref scanFrom, client, observer, annotate, rewritten, heldBack, ref holding);
            pending.Consume(consumed);
            scanFrom -= consumed;
            if (consumed > 0)
            {
                FlushResult flush;
                try
                {
                    flush = await client.FlushAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return End.ClientGone;
                }
                catch (IOException)
                {
                    return End.ClientGone;
                }

                if (flush.IsCanceled || flush.IsCompleted)
                {
                    return End.ClientGone;
                }
            }
        }
    }

    /// <summary>Writes every complete event in <paramref name="data"/> to the client; returns how many bytes were consumed.</summary>
    private static int ProcessCompleteEvents(ReadOnlySpan<byte> data, ref int scanFrom, PipeWriter client, ResponseObserver observer, CostAnnotator annotate, PooledBuffer rewritten, PooledBuffer? heldBack, ref bool holding)
    {
        var eventStart = 0;
        var forwardFrom = 0;
        var position = Math.Max(scanFrom, 0);
        while (position < data.Length)
        {
            var newline = data[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }

            var lineStart = position;
            var lineEnd = position + newline; // index of '\n'
            position = lineEnd + 1;
            var line = data[lineStart..lineEnd];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.Length != 0)
            {
                continue;
            }

            // A blank line ends the event [eventStart, position).
            var evt = data[eventStart..position];
            if (heldBack is not null && !holding && IsLastEvent(evt))
            {
                // From here on everything waits for the call's record (see RelayAsync).
                client.Write(data[forwardFrom..eventStart]);
                forwardFrom = eventStart;
                holding = true;
            }

            if (InspectEvent(evt, observer, out var payloadEndInEvent) && observer.LastPayloadHadUsage && payloadEndInEvent > 0)
            {
                // Forward what precedes this event, then the event with the cost appended inside its JSON object.
                Emit(data[forwardFrom..eventStart], client, heldBack, holding);
                rewritten.Clear();
                rewritten.Write(evt[..payloadEndInEvent]);
                annotate(observer, rewritten);
                rewritten.Write(evt[payloadEndInEvent..]);
                Emit(rewritten.Span, client, heldBack, holding);
                forwardFrom = position;
            }

            eventStart = position;
        }

        if (eventStart > forwardFrom)
        {
            Emit(data[forwardFrom..eventStart], client, heldBack, holding);
        }

        scanFrom = position;
        // Lines of an unfinished event are re-scanned next time from its start.
        scanFrom = eventStart;
        return eventStart;
    }

    private static void Emit(ReadOnlySpan<byte> bytes, PipeWriter client, PooledBuffer? heldBack, bool holding)
    {
        if (holding)
        {
            heldBack!.Write(bytes);
        }
        else
        {
            client.Write(bytes);
        }
    }

    /// <summary>
    /// True for the event that ends a stream: <c>data: [DONE]</c> (chat completions), <c>message_stop</c> (Anthropic),
    /// <c>response.completed</c> / <c>response.incomplete</c> / <c>response.failed</c> (Responses API), named by the
    /// event line or by the payload's <c>type</c>.
    /// </summary>
    internal static bool IsLastEvent(ReadOnlySpan<byte> evt)
    {
        if (evt.IndexOf("[DONE]"u8) >= 0 && HasLine(evt, "data: [DONE]"u8, "data:[DONE]"u8))
        {
            return true;
        }

        return evt.IndexOf("message_stop"u8) >= 0 || evt.IndexOf("response.completed"u8) >= 0
            ? IsTypeOrEvent(evt, "message_stop"u8) || IsTypeOrEvent(evt, "response.completed"u8)
            : (evt.IndexOf("response.incomplete"u8) >= 0 && IsTypeOrEvent(evt, "response.incomplete"u8))
              || (evt.IndexOf("response.failed"u8) >= 0 && IsTypeOrEvent(evt, "response.failed"u8));
    }

    /// <summary>One of the event's lines (without its line end) is <paramref name="line"/> or <paramref name="alternative"/>.</summary>
    private static bool HasLine(ReadOnlySpan<byte> evt, ReadOnlySpan<byte> line, ReadOnlySpan<byte> alternative)
    {
        while (evt.Length > 0)
        {
            var end = evt.IndexOf((byte)'\n');
            var current = end < 0 ? evt : evt[..end];
            if (current.Length > 0 && current[^1] == (byte)'\r')
            {
                current = current[..^1];
            }

            if (current.SequenceEqual(line) || current.SequenceEqual(alternative))
            {
                return true;
            }

            evt = end < 0 ? default : evt[(end + 1)..];
        }

        return false;
    }

    /// <summary>The event is named <paramref name="name"/> (<c>event: name</c>) or its payload's type is (<c>"type":"name"</c>).</summary>
    private static bool IsTypeOrEvent(ReadOnlySpan<byte> evt, ReadOnlySpan<byte> name)
    {
        var at = evt.IndexOf(name);
        while (at >= 0)
        {
            var before = evt[..at].TrimEnd((byte)' ');
            var after = at + name.Length < evt.Length ? evt[at + name.Length] : (byte)'\n';
            var quoted = before.Length > 0 && before[^1] == (byte)'"' && after == (byte)'"';
            if ((before.EndsWith("event:"u8) && after is (byte)'\n' or (byte)'\r' or (byte)' ')
                || (quoted && before[..^1].TrimEnd((byte)' ').EndsWith("\"type\":"u8)))
            {
                return true;
            }

            var next = evt[(at + name.Length)..].IndexOf(name);
            at = next < 0 ? -1 : at + name.Length + next;
        }

        return false;
    }

    /// <summary>Feeds the event's data payload to the observer; gives the index of the payload's closing brace within the event.</summary>
    private static bool InspectEvent(ReadOnlySpan<byte> evt, ResponseObserver observer, out int closingBrace)
    {
        closingBrace = -1;
        var offset = 0;
        while (offset < evt.Length)
        {
            var newline = evt[offset..].IndexOf((byte)'\n');
            var lineEnd = newline < 0 ? evt.Length : offset + newline;
            var line = evt[offset..lineEnd];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.StartsWith("data:"u8))
            {
                var payloadStart = offset + 5;
                var payload = line[5..];
                if (payload.Length > 0 && payload[0] == (byte)' ')
                {
                    payload = payload[1..];
                    payloadStart++;
                }

                if (payload.SequenceEqual("[DONE]"u8))
                {
                    observer.SawDone = true;
                    return false;
                }

                if (payload.Length > 0 && payload[0] == (byte)'{')
                {
                    var observed = observer.Observe(payload);
                    var brace = payload.LastIndexOf((byte)'}');
                    closingBrace = brace < 0 ? -1 : payloadStart + brace;
                    return observed;
                }

                return false;
            }

            offset = lineEnd + 1;
        }

        return false;
    }
}
