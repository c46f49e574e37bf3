using System.Text;
using System.Text.Json;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Changes a request body by splicing bytes (new model name, <c>stream_options.include_usage: true</c>) instead of
/// re-serialising it, so everything else the client sent reaches the provider byte for byte.
/// </summary>
internal static class BodyPatcher
{
    private static readonly byte[] IncludeUsageValue = "{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] IncludeUsageProperty = ",\"stream_options\":{\"include_usage\":true}"u8.ToArray();

    /// <summary>True when the body must change before it is forwarded.</summary>
    public static bool NeedsPatch(in RequestInfo info, string? upstreamModel, bool ensureIncludeUsage) =>
        (upstreamModel is not null && !string.Equals(upstreamModel, info.Model, StringComparison.Ordinal)) ||
        (ensureIncludeUsage && info.Stream && !info.IncludeUsage);

    /// <summary>A new body with the changes; the original is untouched.</summary>
    public static PooledBuffer Patch(ReadOnlySpan<byte> body, in RequestInfo info, string? upstreamModel, bool ensureIncludeUsage)
    {
        var output = new PooledBuffer(body.Length + 64);
        var edits = new (int Start, int Length, byte[] Replacement)[2];
        var count = 0;
        if (upstreamModel is not null && !string.Equals(upstreamModel, info.Model, StringComparison.Ordinal))
        {
            edits[count++] = (info.ModelStart, info.ModelLength, JsonString(upstreamModel));
        }

        if (ensureIncludeUsage && info.Stream && !info.IncludeUsage)
        {
            edits[count++] = info.StreamOptionsStart >= 0
                ? (info.StreamOptionsStart, info.StreamOptionsLength, IncludeUsageValue)
                : (info.ObjectEnd, 0, IncludeUsageProperty);
        }

        if (count == 2 && edits[1].Start < edits[0].Start)
        {
            (edits[0], edits[1]) = (edits[1], edits[0]);
        }

        var position = 0;
        for (var i = 0; i < count; i++)
        {
            var (start, length, replacement) = edits[i];
            output.Write(body[position..start]);
            output.Write(replacement);
            position = start + length;
        }

        output.Write(body[position..]);
        return output;
    }

    private static byte[] JsonString(string value)
    {
        var encoded = JsonEncodedText.Encode(value);
        var utf8 = encoded.EncodedUtf8Bytes;
        var result = new byte[utf8.Length + 2];
        result[0] = (byte)'"';
        utf8.CopyTo(result.AsSpan(1));
        result[^1] = (byte)'"';
        return result;
    }

    /// <summary>For tests and messages.</summary>
    internal static string ToText(PooledBuffer buffer) => Encoding.UTF8.GetString(buffer.Span);
}
