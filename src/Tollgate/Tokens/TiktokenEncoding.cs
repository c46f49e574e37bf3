using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace Tollgate.Tokens;

/// <summary>
/// A tiktoken-compatible byte-level BPE encoding (<c>o200k_base</c>, <c>cl100k_base</c>, <c>p50k_base</c>,
/// <c>r50k_base</c>): counts and ids identical to tiktoken's <c>encode_ordinary</c>. The vocabulary is loaded
/// from an embedded resource on first use and shared; instances are thread-safe.
/// </summary>
public sealed class TiktokenEncoding : ITokenizer
{
    /// <summary>Text longer than this many UTF-16 units is transcoded and counted in chunks (bounded memory).</summary>
    private const int WholeTextLimit = 1 << 16;
    private const int ChunkChars = 1 << 16;
    private const int StreamBlock = 1 << 20;

    private static readonly Dictionary<string, TiktokenEncoding> s_encodings = new(StringComparer.Ordinal)
    {
        ["o200k_base"] = new("o200k_base", PretokenPattern.O200k),
        ["cl100k_base"] = new("cl100k_base", PretokenPattern.Cl100k),
        ["p50k_base"] = new("p50k_base", PretokenPattern.Gpt2),
        ["r50k_base"] = new("r50k_base", PretokenPattern.Gpt2),
    };

    private readonly Lazy<Vocabulary> _vocabulary;
    private readonly PieceCountCache _pieceCache = new();

    private TiktokenEncoding(string name, PretokenPattern pattern)
    {
        Name = name;
        Pattern = pattern;
        _vocabulary = new Lazy<Vocabulary>(() => Vocabulary.LoadEmbedded(name), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The encodings shipped with Tollgate.</summary>
    public static IReadOnlyCollection<string> Names => s_encodings.Keys;

    public static TiktokenEncoding O200kBase => s_encodings["o200k_base"];

    public static TiktokenEncoding Cl100kBase => s_encodings["cl100k_base"];

    public string Name { get; }

    internal PretokenPattern Pattern { get; }

    internal Vocabulary Vocabulary => _vocabulary.Value;

    /// <summary>The encoding called <paramref name="name"/> (case-insensitive), or an <see cref="ArgumentException"/> listing the known ones.</summary>
    public static TiktokenEncoding Get(string name) =>
        TryGet(name, out var encoding)
            ? encoding
            : throw new ArgumentException($"Unknown encoding '{name}'. Known encodings: {string.Join(", ", s_encodings.Keys)}.", nameof(name));

    public static bool TryGet(string? name, [NotNullWhen(true)] out TiktokenEncoding? encoding)
    {
        encoding = null;
        return name is not null && s_encodings.TryGetValue(name.Trim().ToLowerInvariant(), out encoding);
    }

    public int CountTokens(ReadOnlySpan<char> text) => EncodeCore(text, null);

    public int CountTokens(string text) => EncodeCore(text.AsSpan(), null);

    public int CountTokens(ReadOnlySpan<byte> utf8)
    {
        if (Utf8.IsValid(utf8))
        {
            return CountChunk(utf8, isFinal: true, out _, null);
        }

        // Decode with replacement characters first, as tiktoken's callers do, so invalid bytes count like U+FFFD.
        return CountTokens(Encoding.UTF8.GetString(utf8).AsSpan());
    }

    public IReadOnlyList<int> Encode(ReadOnlySpan<char> text)
    {
        var output = new List<int>(text.Length / 3 + 4);
        EncodeCore(text, output);
        return output;
    }

    public IReadOnlyList<int> Encode(string text) => Encode(text.AsSpan());

    public string Decode(IEnumerable<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var vocabulary = Vocabulary;
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var token in tokens)
        {
            var bytes = vocabulary.BytesOfRank(token);
            if (bytes.IsEmpty)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"Token id {token} is not in {Name}.");
            }

            buffer.Write(bytes);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Counts the tokens of a UTF-8 stream (a file) in bounded memory: it reads blocks and carries the unsettled
    /// last pre-token over to the next block, so the count equals that of the whole text. Invalid UTF-8 is counted
    /// as U+FFFD, as a UTF-8 decoder would read it.
    /// </summary>
    public async ValueTask<long> CountTokensAsync(Stream utf8, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBlock);
        try
        {
            var pending = 0;
            long count = 0;
            while (true)
            {
                if (pending == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, pending).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await utf8.ReadAsync(buffer.AsMemory(pending), cancellationToken).ConfigureAwait(false);
                var isFinal = read == 0;
                pending += read;
                if (!IsValidUtf8Prefix(buffer.AsSpan(0, pending), isFinal))
                {
                    return count + await CountInvalidTailAsync(buffer.AsMemory(0, pending), utf8, cancellationToken).ConfigureAwait(false);
                }

                count += CountChunk(buffer.AsSpan(0, pending), isFinal, out var consumed, null);
                if (isFinal)
                {
                    return count;
                }

                buffer.AsSpan(consumed, pending - consumed).CopyTo(buffer);
                pending -= consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>True when <paramref name="bytes"/> is valid UTF-8, allowing an incomplete last character when more follows.</summary>
    private static bool IsValidUtf8Prefix(ReadOnlySpan<byte> bytes, bool isFinal)
    {
        if (!isFinal)
        {
            // Back up over a trailing, possibly incomplete multi-byte sequence (at most 3 bytes).
            var cut = bytes.Length;
            for (var k = 1; k <= 3 && k <= bytes.Length; k++)
            {
                var b = bytes[^k];
                if ((b & 0xC0) != 0x80)
                {
                    if (b >= 0xC0)
                    {
                        cut = bytes.Length - k;
                    }

                    break;
                }
            }

            bytes = bytes[..cut];
        }

        return Utf8.IsValid(bytes);
    }

    private async ValueTask<long> CountInvalidTailAsync(ReadOnlyMemory<byte> pending, Stream rest, CancellationToken cancellationToken)
    {
        // Rare path: decode with replacement characters and count through the streaming counter.
        var decoder = new UTF8Encoding(false, false).GetDecoder();
        var counter = new StreamingTokenCounter(this);
        var chars = new char[StreamBlock + 4];
        var bytes = new byte[StreamBlock];
        Feed(pending.Span, flush: false);
        int read;
        while ((read = await rest.ReadAsync(bytes, cancellationToken).ConfigureAwait(false)) > 0)
        {
            Feed(bytes.AsSpan(0, read), flush: false);
        }

        Feed([], flush: true);
        return counter.Count;

        void Feed(ReadOnlySpan<byte> input, bool flush)
        {
            while (true)
            {
                decoder.Convert(input, chars, flush, out var used, out var produced, out var completed);
                counter.Append(chars.AsSpan(0, produced));
                input = input[used..];
                if (completed)
                {
                    return;
                }
            }
        }
    }

    /// <summary>A counter for text that arrives in pieces (a streamed response): see <see cref="StreamingTokenCounter"/>.</summary>
    public StreamingTokenCounter CreateStreamingCounter() => new(this);

    /// <summary>
    /// Counts the pre-tokens of <paramref name="utf8"/> that are settled; when not final, stops before a piece that
    /// could change with more text and reports how many bytes were consumed (the caller keeps the rest).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal int CountChunk(ReadOnlySpan<byte> utf8, bool isFinal, out int consumed, List<int>? output)
    {
        var vocabulary = Vocabulary;
        var scanner = new PretokenScanner(utf8, Pattern, isFinal);
        var count = 0;
        if (output is not null)
        {
            while (scanner.Next(out var start, out var end))
            {
                count += BytePairEncoder.Encode(vocabulary, utf8[start..end], output);
            }
        }
        else
        {
            var cache = _pieceCache;
            while (scanner.Next(out var start, out var end))
            {
                var piece = utf8[start..end];
                if (vocabulary.Rank(piece) != Vocabulary.NoRank)
                {
                    count++;
                    continue;
                }

                if (piece.Length > PieceCountCache.MaxPieceLength)
                {
                    count += BytePairEncoder.Encode(vocabulary, piece, null);
                    continue;
                }

                var hash = Vocabulary.LongHash(piece);
                if (!cache.TryGet(piece, hash, out var pieceCount))
                {
                    pieceCount = BytePairEncoder.Encode(vocabulary, piece, null);
                    cache.Add(piece, hash, pieceCount);
                }

                count += pieceCount;
            }
        }

        consumed = scanner.Position;
        return count;
    }

    private int EncodeCore(ReadOnlySpan<char> text, List<int>? output)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        if (text.Length <= WholeTextLimit)
        {
            var max = text.Length * 3;
            byte[]? rented = null;
            var buffer = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
            try
            {
                Utf8.FromUtf16(text, buffer, out _, out var written, replaceInvalidSequences: true, isFinalBlock: true);
                return CountChunk(buffer[..written], isFinal: true, out _, output);
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }

        return EncodeChunked(text, output);
    }

    private int EncodeChunked(ReadOnlySpan<char> text, List<int>? output)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkChars * 3 * 2);
        try
        {
            var pending = 0; // unsettled bytes kept at the start of the buffer
            var count = 0;
            while (true)
            {
                var isFinal = text.IsEmpty;
                if (!isFinal)
                {
                    if (buffer.Length - pending < ChunkChars * 3)
                    {
                        // One pre-token longer than the buffer (e.g. megabytes of spaces): grow.
                        var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, pending).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = bigger;
                    }

                    var take = Math.Min(text.Length, ChunkChars);
                    Utf8.FromUtf16(text[..take], buffer.AsSpan(pending), out var read, out var written, replaceInvalidSequences: true, isFinalBlock: take == text.Length);
                    text = text[read..];
                    pending += written;
                    isFinal = text.IsEmpty;
                }

                count += CountChunk(buffer.AsSpan(0, pending), isFinal, out var consumed, output);
                if (isFinal)
                {
                    return count;
                }

                buffer.AsSpan(consumed, pending - consumed).CopyTo(buffer);
                pending -= consumed;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
