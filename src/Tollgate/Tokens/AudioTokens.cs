using System.Buffers.Binary;

namespace Tollgate.Tokens;

/// <summary>
/// Audio tokens by duration. OpenAI (gpt-4o audio / realtime models): input audio is 1 token per 100 ms
/// (10 per second), output audio 1 token per 50 ms (20 per second). Gemini: 32 tokens per second either way.
/// Partial units round up.
/// </summary>
public static class AudioTokens
{
    /// <summary>Tokens of <paramref name="duration"/> of audio sent to (or produced by) <paramref name="model"/>.</summary>
    public static TokenCount ForModel(string model, TimeSpan duration, bool isOutput = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        var name = ModelNames.Normalize(model, out var provider);
        var gemini = ModelNames.MatchesAny(name, "gemini", "gemma") || provider is "google" or "gemini" or "vertex_ai";
        var perSecond = gemini ? 32 : isOutput ? 20 : 10;
        var tokens = (long)Math.Ceiling(duration.Ticks * (decimal)perSecond / TimeSpan.TicksPerSecond);
        var openAi = TokenizerRegistry.TryForModel(model, out var tokenizer) && !tokenizer.IsEstimate;
        return new TokenCount(tokens, IsEstimate: !openAi);
    }

    /// <summary>The duration of a PCM WAV file from its header; false when it is not a readable WAV.</summary>
    public static bool TryReadWavDuration(ReadOnlySpan<byte> wav, out TimeSpan duration)
    {
        duration = default;
        if (wav.Length < 12 || !wav[..4].SequenceEqual("RIFF"u8) || !wav.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            return false;
        }

        var byteRate = 0;
        var p = 12;
        while (p + 8 <= wav.Length)
        {
            var id = wav.Slice(p, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(wav[(p + 4)..]);
            if (id.SequenceEqual("fmt "u8) && p + 20 <= wav.Length)
            {
                byteRate = BinaryPrimitives.ReadInt32LittleEndian(wav[(p + 16)..]);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (byteRate <= 0)
                {
                    return false;
                }

                // A streamed WAV may say 0xFFFFFFFF; then the bytes present are the data.
                var dataBytes = size == uint.MaxValue || size > (uint)(wav.Length - p - 8) ? wav.Length - p - 8 : (long)size;
                duration = TimeSpan.FromTicks((long)Math.Ceiling(dataBytes * (decimal)TimeSpan.TicksPerSecond / byteRate));
                return true;
            }

            p += 8 + (int)Math.Min(size + (size & 1), int.MaxValue - p);
        }

        return false;
    }
}
