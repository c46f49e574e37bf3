namespace Tollgate.Tokens;

/// <summary>
/// A small, lock-free, direct-mapped cache of pre-token → token count for pieces that need byte-pair merging
/// (most pieces are a single token and never get here). Entries are immutable and compared byte for byte, so a hit
/// is always exact; concurrent writers simply overwrite each other.
/// </summary>
internal sealed class PieceCountCache
{
    public const int MaxPieceLength = 64;
    private const int Size = 1 << 14;

    private readonly Entry?[] _entries = new Entry?[Size];

    public bool TryGet(ReadOnlySpan<byte> piece, ulong hash, out int count)
    {
        var entry = Volatile.Read(ref _entries[(int)(hash >> 50)]);
        if (entry is not null && entry.Hash == hash && piece.SequenceEqual(entry.Bytes))
        {
            count = entry.Count;
            return true;
        }

        count = 0;
        return false;
    }

    public void Add(ReadOnlySpan<byte> piece, ulong hash, int count) =>
        Volatile.Write(ref _entries[(int)(hash >> 50)], new Entry(hash, piece.ToArray(), count));

    private sealed record Entry(ulong Hash, byte[] Bytes, int Count);
}
