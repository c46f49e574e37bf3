using System.Runtime.CompilerServices;
using Tollgate.Tokens;

namespace Tollgate.Extensions.AI.Internal;

/// <summary>
/// Token counts of the very string instances counted lately — a system prompt held in a constant, a conversation's
/// earlier messages resent on every call — found by reference instead of hashing the text for the content cache
/// (a string never changes, so the same instance always has the same count). Direct-mapped by the instance's
/// identity hash and bounded: it keeps at most <see cref="Slots"/> strings of up to <see cref="MaxLength"/>
/// characters alive; a newer text simply replaces the one in its slot.
/// </summary>
internal sealed class RecentTextCounts
{
    public const int Slots = 256;

    public const int MaxLength = 4096;

    private readonly Entry?[] _entries = new Entry?[Slots];

    public bool TryGet(TiktokenEncoding encoding, string text, out int tokens)
    {
        // An entry is immutable and replaced whole, so a racing writer is seen either before or after, never torn.
        var entry = Volatile.Read(ref _entries[SlotOf(text)]);
        if (entry is not null && ReferenceEquals(entry.Text, text) && ReferenceEquals(entry.Encoding, encoding))
        {
            tokens = entry.Tokens;
            return true;
        }

        tokens = 0;
        return false;
    }

    public void Add(TiktokenEncoding encoding, string text, int tokens)
    {
        if (text.Length <= MaxLength)
        {
            Volatile.Write(ref _entries[SlotOf(text)], new Entry(text, encoding, tokens));
        }
    }

    private static int SlotOf(string text) => RuntimeHelpers.GetHashCode(text) & (Slots - 1);

    private sealed class Entry(string text, TiktokenEncoding encoding, int tokens)
    {
        public readonly string Text = text;
        public readonly TiktokenEncoding Encoding = encoding;
        public readonly int Tokens = tokens;
    }
}
