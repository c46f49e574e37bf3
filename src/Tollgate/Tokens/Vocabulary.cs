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
    private readonly ulong[] _slots;     // (fingerprint << 32) | (token index + 1); 0 = empty
    private readonly int _mask;
    private readonly int[] _singleByteRanks = new int[256];

    private Vocabulary(byte[] bytes, int[] offsets, int[] ranks, int maxRank)
    {
        _bytes = bytes;
        _offsets = offsets;
        _ranks = ranks;
        var count = ranks.Length;
        _tokenOfRank = new int[maxRank + 1];
        Array.Fill(_tokenOfRank, -1);
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)(count * 2));
        _slots = new ulong[size];
        _mask = size - 1;
        Array.Fill(_singleByteRanks, NoRank);
        for (var t = 0; t < count; t++)
        {
            _tokenOfRank[ranks[t]] = t;
            var span = Token(t);
            if (span.Length == 1)
            {
                _singleByteRanks[span[0]] = ranks[t];
            }

            var h = Hash(span);
            var index = (int)h & _mask;
            while (_slots[index] != 0)
            {
                index = (index + 1) & _mask;
            }

            _slots[index] = (h & 0xFFFF_FFFF_0000_0000UL) | (uint)(t + 1);
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
        if (piece.Length == 1)
        {
            return _singleByteRanks[piece[0]];
        }

        var h = Hash(piece);
        var fingerprint = h & 0xFFFF_FFFF_0000_0000UL;
        var index = (int)h & _mask;
        var slots = _slots;
        while (true)
        {
            var slot = slots[index];
            if (slot == 0)
            {
                return NoRank;
            }

            if ((slot & 0xFFFF_FFFF_0000_0000UL) == fingerprint)
            {
                var t = (int)(uint)slot - 1;
                var start = _offsets[t];
                if (_offsets[t + 1] - start == piece.Length && piece.SequenceEqual(_bytes.AsSpan(start, piece.Length)))
                {
                    return _ranks[t];
                }
            }

            index = (index + 1) & _mask;
        }
    }

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash(ReadOnlySpan<byte> s)
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
}
