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

    public static async Task<End> RelayAsync(Stream upstream, PipeWriter client, ResponseObserver observer, CostAnnotator annotate, CancellationToken cancellationToken)
    {
        using var pending = new PooledBuffer(16 * 1024);
        using var rewritten = new PooledBuffer(1024);
        var scanFrom = 0;
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
                    client.Write(pending.Span);
                    await client.FlushAsync(cancellationToken);
                }

                return observer.SawDone || observer.UsageReported ? End.Completed : End.UpstreamCut;
            }

            pending.Advance(read);
            var consumed = ProcessCompleteEvents(pending.Span, ref scanFrom, client, observer, annotate, rewritten);
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
    private static int ProcessCompleteEvents(ReadOnlySpan<byte> data, ref int scanFrom, PipeWriter client, ResponseObserver observer, CostAnnotator annotate, PooledBuffer rewritten)
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
            if (InspectEvent(evt, observer, out var payloadEndInEvent) && observer.LastPayloadHadUsage && payloadEndInEvent > 0)
            {
                // Forward what precedes this event, then the event with the cost appended inside its JSON object.
                client.Write(data[forwardFrom..eventStart]);
                rewritten.Clear();
                rewritten.Write(evt[..payloadEndInEvent]);
                annotate(observer, rewritten);
                rewritten.Write(evt[payloadEndInEvent..]);
                client.Write(rewritten.Span);
                forwardFrom = position;
            }

            eventStart = position;
        }

        if (eventStart > forwardFrom)
        {
            client.Write(data[forwardFrom..eventStart]);
        }

        scanFrom = position;
        // Lines of an unfinished event are re-scanned next time from its start.
        scanFrom = eventStart;
        return eventStart;
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
