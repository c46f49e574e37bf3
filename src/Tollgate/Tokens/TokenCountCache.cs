using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Tollgate.Tokens;

/// <summary>
/// A bounded, thread-safe least-recently-used cache of token counts keyed by a content hash (XxHash128 of the text)
/// and the encoding, for prompts that come back again and again (system prompts, tool definitions, few-shot examples).
/// Texts shorter than <see cref="MinimumLength"/> are counted directly: hashing them saves nothing.
/// </summary>
public sealed class TokenCountCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Key, LinkedListNode<(Key Key, int Count)>> _map;
    private readonly LinkedList<(Key Key, int Count)> _order = new(); // most recent first
    private long _hits;
    private long _misses;

    /// <param name="capacity">Most entries kept (each about 100 bytes); the least recently used goes first.</param>
    /// <param name="minimumLength">Texts shorter than this (UTF-16 units) bypass the cache.</param>
    public TokenCountCache(int capacity = 4096, int minimumLength = 256)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        Capacity = capacity;
        MinimumLength = minimumLength;
        _map = new Dictionary<Key, LinkedListNode<(Key Key, int Count)>>(Math.Min(capacity, 1 << 16));
    }

    public int Capacity { get; }

    public int MinimumLength { get; }

    /// <summary>Entries currently held.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _map.Count;
            }
        }
    }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>The token count of <paramref name="text"/> with <paramref name="tokenizer"/>, from the cache when seen before.</summary>
    public int GetOrCount(ITokenizer tokenizer, ReadOnlySpan<char> text)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (text.Length < MinimumLength)
        {
            return tokenizer.CountTokens(text);
        }

        var key = new Key(tokenizer.Name, XxHash128.HashToUInt128(MemoryMarshal.AsBytes(text)), text.Length);
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                _hits++;
                return node.Value.Count;
            }
        }

        // Count outside the lock: two threads may count the same new text once each, which is harmless.
        var count = tokenizer.CountTokens(text);
        lock (_gate)
        {
            _misses++;
            if (_map.TryGetValue(key, out var existing))
            {
                _order.Remove(existing);
                _order.AddFirst(existing);
                return count;
            }

            LinkedListNode<(Key Key, int Count)> node;
            if (_map.Count >= Capacity)
            {
                node = _order.Last!;
                _order.RemoveLast();
                _map.Remove(node.Value.Key);
                node.Value = (key, count);
            }
            else
            {
                node = new LinkedListNode<(Key Key, int Count)>((key, count));
            }

            _order.AddFirst(node);
            _map[key] = node;
        }

        return count;
    }

    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _order.Clear();
        }
    }

    /// <summary>Hashed by the content hash alone (already uniform): hashing the encoding's name on every lookup would cost more than the rest.</summary>
    private readonly struct Key(string encoding, UInt128 hash, int length) : IEquatable<Key>
    {
        private readonly string _encoding = encoding;
        private readonly UInt128 _hash = hash;
        private readonly int _length = length;

        public bool Equals(Key other) =>
            _hash == other._hash && _length == other._length && string.Equals(_encoding, other._encoding, StringComparison.Ordinal);

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode() => (int)(ulong)_hash;
    }
}
