using System.Text;

namespace Tollgate.Providers.Streaming;

/// <summary>Reads server-sent events as they arrive (no buffering beyond the current event).</summary>
internal sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);

    public void Dispose() => _reader.Dispose();

    /// <summary>The next event, or null at the end of the stream.</summary>
    public async ValueTask<SseEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        string? name = null;
        StringBuilder? data = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return data is null ? null : new SseEvent(name, data.ToString());
            }

            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return new SseEvent(name, data.ToString());
                }

                name = null;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            if (field == "event")
            {
                name = value;
            }
            else if (field == "data")
            {
                if (data is null)
                {
                    data = new StringBuilder(value);
                }
                else
                {
                    data.Append('\n').Append(value);
                }
            }
        }
    }
}
