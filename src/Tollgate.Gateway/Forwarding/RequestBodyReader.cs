using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;
using Tollgate.Gateway.Endpoints;

namespace Tollgate.Gateway.Forwarding;

/// <summary>Reads a request body into a pooled buffer, refusing bodies over the configured size before reading them whole.</summary>
internal static class RequestBodyReader
{
    /// <summary>
    /// The declared media type when it is not JSON (<c>text/plain</c>, a form…), else null. A request without a
    /// <c>Content-Type</c> is read as JSON, as providers do.
    /// </summary>
    public static string? NotJson(HttpRequest request)
    {
        var declared = request.ContentType;
        if (string.IsNullOrWhiteSpace(declared))
        {
            return null;
        }

        var semicolon = declared.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? declared : declared[..semicolon]).Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            ? null
            : mediaType;
    }

    /// <summary>415 in the door's shape, saying what to send.</summary>
    public static Task WriteNotJsonAsync(HttpContext context, string mediaType) =>
        OpenAiError.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType,
            $"the request body is declared as '{Printable(mediaType)}': send JSON with Content-Type: application/json", "invalid_request_error", "unsupported_media_type");

    private static string Printable(string text) => text.Length > 100 || text.Any(char.IsControl) ? "an unsupported type" : text;

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
