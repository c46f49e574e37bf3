using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Tollgate.Metering.Fingerprints;

/// <summary>
/// What was derived from canonical forms seen lately (their SHA-256, a prefix's token count), keyed by the canonical
/// bytes themselves: a repeated request, or the shared system prompt and tools of a new turn, costs a lookup instead
/// of SHA-256 (whose fixed cost per call exceeds the hashing of a short prompt). A form is kept when it is seen a
/// second time (a table of recent hash codes remembers the first sighting), so a stream of one-off requests costs no
/// copies. Bounded: forms above <see cref="MaxKeyBytes"/> are not kept, and the cache starts over past
/// <see cref="MaxEntries"/>.
/// </summary>
internal sealed class CanonicalCache<TValue>
{
    private const int MaxEntries = 4096;
    private const int MaxKeyBytes = 16 * 1024;
    private const int RecentSlots = 8192;

    private readonly int[] _recent = new int[RecentSlots];

    private readonly ConcurrentDictionary<Key, TValue> _entries = new(KeyComparer.Instance);
    private readonly ConcurrentDictionary<Key, TValue>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    public CanonicalCache() => _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();

    public bool TryGet(ReadOnlySpan<byte> canonical, [MaybeNullWhen(false)] out TValue value) => _lookup.TryGetValue(canonical, out value);

    public void Add(ReadOnlySpan<byte> canonical, TValue value)
    {
        if (canonical.Length > MaxKeyBytes)
        {
            return;
        }

        // First sighting: remember only the hash code (races between threads merely delay an admission).
        var hash = KeyComparer.HashOf(canonical);
        ref var slot = ref _recent[hash & (RecentSlots - 1)];
        if (slot != hash)
        {
            slot = hash;
            return;
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _lookup.TryAdd(canonical, value);
    }

    private sealed class Key(byte[] bytes, int hash)
    {
        public byte[] Bytes { get; } = bytes;

        public int Hash { get; } = hash;
    }

    private sealed class KeyComparer : IEqualityComparer<Key>, IAlternateEqualityComparer<ReadOnlySpan<byte>, Key>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(Key? x, Key? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.Hash == y.Hash && x.Bytes.AsSpan().SequenceEqual(y.Bytes));

        public int GetHashCode(Key key) => key.Hash;

        public bool Equals(ReadOnlySpan<byte> alternate, Key other) => alternate.SequenceEqual(other.Bytes);

        public int GetHashCode(ReadOnlySpan<byte> alternate) => HashOf(alternate);

        public Key Create(ReadOnlySpan<byte> alternate) => new(alternate.ToArray(), HashOf(alternate));

        public static int HashOf(ReadOnlySpan<byte> bytes)
        {
            var hash = new HashCode();
            hash.AddBytes(bytes);
            return hash.ToHashCode();
        }
    }
}
