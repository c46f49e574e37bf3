namespace Tollgate.Tokens;

/// <summary>
/// A small, lock-free, direct-mapped cache of pre-token → token count for pieces that need byte-pair merging
/// (most pieces are a single token and never get here). Entries are immutable and compared byte for byte, so a hit
/// is always exact; concurrent writers simply overwrite each other. Sized for whole conversations: a chat client
/// re-sends the history on every turn, so most multi-token pieces of a request were seen one turn earlier.
/// At most 65,536 entries of at most 64 bytes (a few MB when full).
/// </summary>
internal sealed class PieceCountCache
{
    public const int MaxPieceLength = 64;
    private const int Bits = 16;
    private const int Size = 1 << Bits;

    private readonly Entry?[] _entries = new Entry?[Size];

    public bool TryGet(ReadOnlySpan<byte> piece, ulong hash, out int count)
    {
        var entry = Volatile.Read(ref _entries[(int)(hash >> (64 - Bits))]);
        if (entry is not null && entry.Hash == hash && piece.SequenceEqual(entry.Bytes))
        {
            count = entry.Count;
            return true;
        }

        count = 0;
        return false;
    }

    public void Add(ReadOnlySpan<byte> piece, ulong hash, int count) =>
        Volatile.Write(ref _entries[(int)(hash >> (64 - Bits))], new Entry(hash, piece.ToArray(), count));

    private sealed record Entry(ulong Hash, byte[] Bytes, int Count);
}
