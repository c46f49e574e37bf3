using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Tollgate.Tokens;

namespace Tollgate.Gateway.Forwarding;

/// <summary>
/// Counts tokens for estimates with the model's tokenizer (<see cref="TokenizerRegistry"/>): the prompt's JSON
/// (messages, system, tools: a slight over-count, as a hold should be) and, when a stream is cut off, the text generated so far.
/// Unknown models fall back to o200k_base.
/// </summary>
internal sealed class PromptEstimator
{
    private readonly ConcurrentDictionary<string, ModelTokenizer> _byModel = new(StringComparer.Ordinal);
    private readonly ModelTokenizer _fallback = TokenizerRegistry.ForEncoding(TiktokenEncoding.O200kBase);

    public ModelTokenizer For(string model) =>
        _byModel.TryGetValue(model, out var tokenizer) ? tokenizer : _byModel.GetOrAdd(model, m => TokenizerRegistry.TryForModel(m, out var t) ? t : _fallback);

    /// <summary>Tokens in the given UTF-8 ranges of <paramref name="body"/>.</summary>
    public long CountUtf8(string model, ReadOnlySpan<byte> body, int start, int length, int start2, int length2)
    {
        var tokenizer = For(model);
        long total = 0;
        if (start >= 0 && length > 0)
        {
            total += CountUtf8(tokenizer, body.Slice(start, length));
        }

        if (start2 >= 0 && length2 > 0)
        {
            total += CountUtf8(tokenizer, body.Slice(start2, length2));
        }

        return total;
    }

    public long CountUtf8(string model, ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? 0 : CountUtf8(For(model), utf8);

    private static long CountUtf8(ModelTokenizer tokenizer, ReadOnlySpan<byte> utf8)
    {
        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            var count = Encoding.UTF8.GetChars(utf8, chars);
            return tokenizer.Count(chars.AsSpan(0, count)).Tokens;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
