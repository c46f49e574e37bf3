using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Tollgate.Tokens;

/// <summary>
/// The byte sequence ↔ rank table of one encoding, loaded from its embedded Brotli-compressed vocabulary
/// (written by <c>scripts/tokens/build-vocab.mjs</c>). Lookups by byte span go through an open-addressing hash
/// table; nothing allocates after loading.
/// </summary>
internal sealed class Vocabulary
{
    public const int NoRank = int.MaxValue;

    private readonly byte[] _bytes;      // all token byte sequences, concatenated in rank order
    private readonly int[] _offsets;     // token i is _bytes[_offsets[i].._offsets[i + 1]]
    private readonly int[] _ranks;       // rank of token i
    private readonly int[] _tokenOfRank; // rank -> token index, -1 for gaps
    private readonly int[] _singleByteRanks = new int[256];
    private readonly int[] _pairRanks = new int[65536];   // 2-byte tokens, indexed directly
    private readonly int[] _bmpCharRanks = new int[65536]; // 3-byte tokens that are one UTF-8 character (CJK...), by code point

    // Tokens of 3..8 bytes: key bytes stored in the slot, so a lookup touches one cache line.
    private readonly ShortEntry[] _short;
    private readonly int _shortShift;

    // Tokens of 9+ bytes: hash, where the bytes are, rank; Length 0 = empty.
    private readonly LongEntry[] _long;
    private readonly int _longMask;

    // One bit per hashed token of 3+ bytes, small enough to stay in the L2 cache: most probes during long merges
    // (CJK runs) are for byte sequences that are not tokens, and the filter answers those without touching the
    // multi-megabyte tables.
    private const int FilterBits = 21;
    private readonly ulong[] _filter = new ulong[(1 << FilterBits) / 64];

    private Vocabulary(byte[] bytes, int[] offsets, int[] ranks, int maxRank)
    {
        _bytes = bytes;
        _offsets = offsets;
        _ranks = ranks;
        var count = ranks.Length;
        _tokenOfRank = new int[maxRank + 1];
        Array.Fill(_tokenOfRank, -1);
        Array.Fill(_singleByteRanks, NoRank);
        Array.Fill(_pairRanks, NoRank);
        Array.Fill(_bmpCharRanks, NoRank);

        var shortCount = 0;
        var longCount = 0;
        for (var t = 0; t < count; t++)
        {
            var length = offsets[t + 1] - offsets[t];
            if (length is >= 3 and <= 8)
            {
                shortCount++;
            }
            else if (length > 8)
            {
                longCount++;
            }
        }

        var shortSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, shortCount * 2));
        _short = new ShortEntry[shortSize];
        _shortShift = 64 - BitOperations.Log2((uint)shortSize);
        var longSize = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, longCount * 2));
        _long = new LongEntry[longSize];
        _longMask = longSize - 1;

        for (var t = 0; t < count; t++)
        {
            _tokenOfRank[ranks[t]] = t;
            var span = Token(t);
            switch (span.Length)
            {
                case 1:
                    _singleByteRanks[span[0]] = ranks[t];
                    break;
                case 2:
                    _pairRanks[span[0] | (span[1] << 8)] = ranks[t];
                    break;
                case <= 8:
                {
                    if (span.Length == 3 && TryThreeByteCodePoint(span, out var codePoint))
                    {
                        _bmpCharRanks[codePoint] = ranks[t];
                    }

                    var key = ShortKey(span);
                    var index = ShortIndex(key, span.Length);
                    while (_short[index].Length != 0)
                    {
                        index = (index + 1) & (shortSize - 1);
                    }

                    _short[index] = new ShortEntry(key, ranks[t], span.Length);
                    AddToFilter(ShortFilterHash(key, span.Length));
                    break;
                }

                default:
                {
                    var h = LongHash(span);
                    var index = (int)h & _longMask;
                    while (_long[index].Length != 0)
                    {
                        index = (index + 1) & _longMask;
                    }

                    _long[index] = new LongEntry(h, offsets[t], ranks[t], span.Length);
                    AddToFilter(h);
                    break;
                }
            }
        }
    }

    public int TokenCount => _ranks.Length;

    public int MaxRank => _tokenOfRank.Length - 1;

    /// <summary>Loads <c>Vocab/NAME.tkv.br</c> from this assembly's resources.</summary>
    public static Vocabulary LoadEmbedded(string encodingName)
    {
        var resource = $"Tollgate.Tokens.Vocab.{encodingName}.tkv.br";
        using var stream = typeof(Vocabulary).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The vocabulary resource '{resource}' is missing from the Tollgate assembly.");
        using var brotli = new BrotliStream(stream, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        brotli.CopyTo(raw);
        return Parse(raw.GetBuffer().AsSpan(0, (int)raw.Length));
    }

    internal static Vocabulary Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12 || !data[..4].SequenceEqual("TKV1"u8))
        {
            throw new InvalidDataException("Not a Tollgate vocabulary (expected the TKV1 header).");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        var maxRank = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        var offsets = new int[count + 1];
        var ranks = new int[count];
        var bytes = new byte[data.Length];
        var p = 12;
        var rank = -1;
        var written = 0;
        for (var t = 0; t < count; t++)
        {
            var gap = 0;
            var shift = 0;
            byte b;
            do
            {
                b = data[p++];
                gap |= (b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0);

            rank += gap + 1;
            var length = data[p++];
            data.Slice(p, length).CopyTo(bytes.AsSpan(written));
            p += length;
            offsets[t] = written;
            ranks[t] = rank;
            written += length;
        }

        offsets[count] = written;
        if (rank != maxRank || p != data.Length)
        {
            throw new InvalidDataException("The vocabulary is truncated or corrupt.");
        }

        Array.Resize(ref bytes, written);
        return new Vocabulary(bytes, offsets, ranks, maxRank);
    }

    /// <summary>The rank of a byte sequence, or <see cref="NoRank"/> when it is not a token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Rank(ReadOnlySpan<byte> piece)
    {
        switch (piece.Length)
        {
            case 1:
                return _singleByteRanks[piece[0]];
            case 2:
                return _pairRanks[Unsafe.ReadUnaligned<ushort>(ref MemoryMarshal.GetReference(piece))];
            case 3 when TryThreeByteCodePoint(piece, out var codePoint):
                // A whole CJK (or other BMP) character: a dense table instead of the hash (the hot lookup in CJK merges).
                return _bmpCharRanks[codePoint];
            case <= 8:
                return ShortRank(piece);
            default:
                return LongRank(piece);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ShortRank(ReadOnlySpan<byte> piece)
    {
        if (piece.IsEmpty)
        {
            return NoRank;
        }

        var key = ShortKey(piece);
        var length = piece.Length;
        if (!MayContain(ShortFilterHash(key, length)))
        {
            return NoRank;
        }

        var entries = _short;
        var mask = entries.Length - 1;
        var index = ShortIndex(key, length);
        while (true)
        {
            ref readonly var entry = ref entries[index];
            if (entry.Key == key && entry.Length == length)
            {
                return entry.Rank;
            }

            if (entry.Length == 0)
            {
                return NoRank;
            }

            index = (index + 1) & mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int LongRank(ReadOnlySpan<byte> piece)
    {
        var h = LongHash(piece);
        if (!MayContain(h))
        {
            return NoRank;
        }

        var index = (int)h & _longMask;
        var entries = _long;
        while (true)
        {
            ref readonly var entry = ref entries[index];
            if (entry.Hash == h && entry.Length == piece.Length && piece.SequenceEqual(_bytes.AsSpan(entry.Offset, entry.Length)))
            {
                return entry.Rank;
            }

            if (entry.Length == 0)
            {
                return NoRank;
            }

            index = (index + 1) & _longMask;
        }
    }

    /// <summary>True when <paramref name="s"/> (3 bytes) is one well-formed 3-byte UTF-8 character.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryThreeByteCodePoint(ReadOnlySpan<byte> s, out int codePoint)
    {
        var b0 = s[0];
        var b1 = s[1];
        var b2 = s[2];
        codePoint = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
        return (b0 & 0xF0) == 0xE0 && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && codePoint >= 0x800;
    }

    /// <summary>The 3..8 bytes of <paramref name="s"/> packed little-endian into a ulong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShortKey(ReadOnlySpan<byte> s)
    {
        ref var start = ref MemoryMarshal.GetReference(s);
        var length = s.Length;
        if (length >= 4)
        {
            // Two overlapping 4-byte reads; the overlap holds the same bytes in both, so OR is exact.
            ulong lo = Unsafe.ReadUnaligned<uint>(ref start);
            ulong hi = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4));
            return lo | (hi << ((length - 4) * 8));
        }

        return start | ((ulong)Unsafe.Add(ref start, 1) << 8) | ((ulong)Unsafe.Add(ref start, 2) << 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ShortFilterHash(ulong key, int length) =>
        (key ^ ((ulong)length << 60)) * 0xD6E8FEB86659FD93UL;

    private void AddToFilter(ulong hash)
    {
        var bit = hash >> (64 - FilterBits);
        _filter[bit >> 6] |= 1UL << (int)(bit & 63);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MayContain(ulong hash)
    {
        var bit = hash >> (64 - FilterBits);
        return (Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_filter), (nint)(bit >> 6)) & (1UL << (int)(bit & 63))) != 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShortIndex(ulong key, int length) =>
        (int)(((key ^ ((ulong)length << 60)) * 0x9E3779B97F4A7C15UL) >> _shortShift);

    /// <summary>The bytes of the token with <paramref name="rank"/>; empty when no token has it.</summary>
    public ReadOnlySpan<byte> BytesOfRank(int rank)
    {
        if ((uint)rank >= (uint)_tokenOfRank.Length)
        {
            return default;
        }

        var t = _tokenOfRank[rank];
        return t < 0 ? default : Token(t);
    }

    private ReadOnlySpan<byte> Token(int t) => _bytes.AsSpan(_offsets[t], _offsets[t + 1] - _offsets[t]);

    /// <summary>A fast 64-bit hash of a byte span (not for security).</summary>
    internal static ulong LongHash(ReadOnlySpan<byte> s)
    {
        var h = (ulong)s.Length * 0x9E3779B97F4A7C15UL;
        ref var start = ref MemoryMarshal.GetReference(s);
        var i = 0;
        for (; i + 8 <= s.Length; i += 8)
        {
            h = (h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * 0xFF51AFD7ED558CCDUL;
            h ^= h >> 32;
        }

        var rest = s.Length - i;
        if (rest > 0)
        {
            ulong tail;
            if (rest >= 4)
            {
                tail = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i))
                    | ((ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i + rest - 4)) << 32);
            }
            else
            {
                tail = Unsafe.Add(ref start, i)
                    | ((ulong)Unsafe.Add(ref start, i + (rest >> 1)) << 8)
                    | ((ulong)Unsafe.Add(ref start, i + rest - 1) << 16);
            }

            h = (h ^ tail) * 0xC4CEB9FE1A85EC53UL;
        }

        h ^= h >> 29;
        h *= 0x94D049BB133111EBUL;
        h ^= h >> 32;
        return h;
    }

    private readonly record struct ShortEntry(ulong Key, int Rank, int Length);

    private readonly record struct LongEntry(ulong Hash, int Offset, int Rank, int Length);
}
