namespace Tollgate.Metering.Fingerprints;

/// <summary>
/// What was derived lately from a 128-bit hash (a request's fingerprints, a prefix's token count), in a fixed table
/// of slots chosen by the hash: a lookup costs no allocation and no lock. A value is kept when its hash is seen a
/// second time in the same slot (the slot remembers the last hash it saw), so a stream of one-off requests keeps
/// nothing alive; a later hash in the same slot replaces it.
/// </summary>
internal sealed class RecentHashes<TValue>
{
    private const int Slots = 4096;

    private readonly ulong[] _seen = new ulong[Slots];
    private readonly Entry?[] _entries = new Entry?[Slots];

    public bool TryGet(UInt128 hash, out TValue value)
    {
        if (Volatile.Read(ref _entries[Slot(hash)]) is { } entry && entry.Hash == hash)
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Add(UInt128 hash, TValue value)
    {
        var slot = Slot(hash);
        var tag = (ulong)(hash >> 64) | 1; // never 0, the empty slot's value
        if (_seen[slot] != tag)
        {
            // First sighting (races between threads merely delay an admission).
            _seen[slot] = tag;
            return;
        }

        Volatile.Write(ref _entries[slot], new Entry(hash, value));
    }

    private static int Slot(UInt128 hash) => (int)((ulong)hash & (Slots - 1));

    private sealed record Entry(UInt128 Hash, TValue Value);
}
