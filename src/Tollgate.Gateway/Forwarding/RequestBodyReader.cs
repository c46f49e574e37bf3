using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Reads a request body into a pooled buffer, refusing bodies over the configured size before reading them whole.</summary>
internal static class RequestBodyReader
{
    /// <summary>The body, or null with TooLarge set when it exceeds <paramref name="maxBytes"/>.</summary>
    public static async ValueTask<(PooledBuffer? Body, bool TooLarge)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > maxBytes)
        {
            return (null, true);
        }

        var buffer = new PooledBuffer((int)(declared ?? 4096));
        PipeReader reader = request.BodyReader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var sequence = result.Buffer;
                if (buffer.Length + sequence.Length > maxBytes)
                {
                    reader.AdvanceTo(sequence.End);
                    buffer.Dispose();
                    return (null, true);
                }

                foreach (var segment in sequence)
                {
                    buffer.Write(segment.Span);
                }

                reader.AdvanceTo(sequence.End);
                if (result.IsCompleted)
                {
                    return (buffer, false);
                }
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
