using System.Runtime.CompilerServices;
using System.Text;

namespace Tollgate.Tokens;

/// <summary>
/// A hand-written, allocation-free equivalent of an encoding's pre-tokenization regex over UTF-8 bytes, with the
/// leftmost-first, backtracking semantics of the fancy-regex crate tiktoken uses. It walks code points, so letters
/// outside the Basic Multilingual Plane are letters.
/// </summary>
/// <remarks>
/// When the text is not final (a chunk of a larger stream) the scanner stops before the first piece whose match
/// looked at the end of the available bytes: with more text that piece could come out differently. Everything
/// before it is exactly what the regex would produce on the whole text.
/// </remarks>
internal ref struct PretokenScanner
{
    private readonly ReadOnlySpan<byte> _text;
    private readonly PretokenPattern _pattern;
    private readonly bool _isFinal;
    private int _position;
    private bool _hitEnd;

    public PretokenScanner(ReadOnlySpan<byte> text, PretokenPattern pattern, bool isFinal)
    {
        _text = text;
        _pattern = pattern;
        _isFinal = isFinal;
    }

    /// <summary>Bytes consumed so far: pieces returned by <see cref="Next"/> end here.</summary>
    public readonly int Position => _position;

    /// <summary>The next piece as <c>[start, end)</c>; false at the end (or, when not final, before an unsettled piece).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Next(out int start, out int end)
    {
        start = _position;
        if (start >= _text.Length)
        {
            end = start;
            return false;
        }

        _hitEnd = false;
        end = _pattern switch
        {
            PretokenPattern.O200k => MatchO200k(start),
            PretokenPattern.Cl100k => MatchCl100k(start),
            _ => MatchGpt2(start),
        };
        if (_hitEnd && !_isFinal)
        {
            end = start;
            return false;
        }

        _position = end;
        return true;
    }

    // ---- o200k_base ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MatchO200k(int i)
    {
        var f0 = Peek(i, out var l0);
        var isP = IsNotLetterNumberNewline(f0);

        // alternative 1: P? U* W+ C?
        int e;
        if (isP && (e = UpperStarLowerPlus(i + l0)) >= 0)
        {
            return Contraction(e, caseInsensitive: true);
        }

        if ((e = UpperStarLowerPlus(i)) >= 0)
        {
            return Contraction(e, caseInsensitive: true);
        }

        // alternative 2: P? U+ W* C?
        if (isP && (e = UpperPlusLowerStar(i + l0)) >= 0)
        {
            return Contraction(e, caseInsensitive: true);
        }

        if ((e = UpperPlusLowerStar(i)) >= 0)
        {
            return Contraction(e, caseInsensitive: true);
        }

        return Common(i, f0, l0, slashInTail: true);
    }

    /// <summary>U* W+ from <paramref name="s"/> with backtracking; -1 when it cannot match.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpperStarLowerPlus(int s)
    {
        var p = s;
        var lastLowerEnd = -1;
        byte f;
        int l;
        while (((f = Peek(p, out l)) & CharClass.UpperLike) != 0)
        {
            p += l;
            if ((f & CharClass.LowerLike) != 0)
            {
                lastLowerEnd = p;
            }
        }

        if ((f & CharClass.LowerLike) != 0)
        {
            // The U run ends at a lowercase letter: W+ takes the whole W run from there.
            p += l;
            while ((Peek(p, out l) & CharClass.LowerLike) != 0)
            {
                p += l;
            }

            return p;
        }

        // Backtrack into the U run: W+ starts at the last character that is also in W and cannot go further.
        return lastLowerEnd;
    }

    /// <summary>U+ W* from <paramref name="s"/>; -1 when it cannot match.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpperPlusLowerStar(int s)
    {
        var p = s;
        var f = Peek(p, out var l);
        if ((f & CharClass.UpperLike) == 0)
        {
            return -1;
        }

        while ((f & CharClass.UpperLike) != 0)
        {
            p += l;
            f = Peek(p, out l);
        }

        while ((f & CharClass.LowerLike) != 0)
        {
            p += l;
            f = Peek(p, out l);
        }

        return p;
    }

    // ---- cl100k_base ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MatchCl100k(int i)
    {
        var c = Contraction(i, caseInsensitive: true);
        if (c != i)
        {
            return c;
        }

        var f0 = Peek(i, out var l0);
        if (IsNotLetterNumberNewline(f0) && (Peek(i + l0, out _) & CharClass.Letter) != 0)
        {
            return LetterRun(i + l0);
        }

        if ((f0 & CharClass.Letter) != 0)
        {
            return LetterRun(i);
        }

        return Common(i, f0, l0, slashInTail: false);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int LetterRun(int p)
    {
        while ((Peek(p, out var l) & CharClass.Letter) != 0)
        {
            p += l;
        }

        return p;
    }

    // ---- shared tail of o200k and cl100k: \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n(/)]*|\s*[\r\n]+|\s+(?!\S)|\s+ ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Common(int i, byte f0, int l0, bool slashInTail)
    {
        if ((f0 & CharClass.Number) != 0)
        {
            var p = i + l0;
            for (var k = 0; k < 2 && (Peek(p, out var l) & CharClass.Number) != 0; k++)
            {
                p += l;
            }

            return p;
        }

        var e = PunctuationRun(i, f0, l0);
        if (e >= 0)
        {
            while (true)
            {
                var b = ByteAt(e);
                if (b is '\r' or '\n' || (slashInTail && b == '/'))
                {
                    e++;
                    continue;
                }

                return e;
            }
        }

        return WhitespaceWithNewlines(i, allowNewlineRule: true);
    }

    /// <summary><c> ?[^\s\p{L}\p{N}]+</c>; -1 when it cannot match.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int PunctuationRun(int i, byte f0, int l0)
    {
        var p = i;
        var f = f0;
        var l = l0;
        if (_text[i] == ' ')
        {
            p = i + 1;
            f = Peek(p, out l);
        }

        if (!IsOther(f))
        {
            return -1;
        }

        do
        {
            p += l;
            f = Peek(p, out l);
        }
        while (IsOther(f));

        return p;
    }

    /// <summary><c>\s*[\r\n]+|\s+(?!\S)|\s+</c> (the first alternative only when <paramref name="allowNewlineRule"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int WhitespaceWithNewlines(int i, bool allowNewlineRule)
    {
        var p = i;
        var lastNewlineEnd = -1;
        var lastStart = i;
        byte f;
        int l;
        while (((f = Peek(p, out l)) & CharClass.Space) != 0)
        {
            if ((f & CharClass.Newline) != 0)
            {
                lastNewlineEnd = p + l;
            }

            lastStart = p;
            p += l;
        }

        if (p == i)
        {
            // Not reachable for well-formed classes (every code point falls in some alternative); keep progress.
            return i + Math.Max(1, l);
        }

        if (allowNewlineRule && lastNewlineEnd >= 0)
        {
            return lastNewlineEnd;
        }

        if ((f & CharClass.End) != 0)
        {
            return p;
        }

        // \s+(?!\S): give back the last whitespace character when the run is followed by a non-space.
        return lastStart > i ? lastStart : p;
    }

    // ---- r50k_base / p50k_base ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MatchGpt2(int i)
    {
        var c = Contraction(i, caseInsensitive: false);
        if (c != i)
        {
            return c;
        }

        var s = i;
        var f = Peek(i, out var l);
        if (_text[i] == ' ')
        {
            var f1 = Peek(i + 1, out var l1);
            if ((f1 & (CharClass.Letter | CharClass.Number)) != 0 || IsOther(f1))
            {
                s = i + 1;
                f = f1;
                l = l1;
            }
        }

        if ((f & CharClass.Letter) != 0)
        {
            return LetterRun(s);
        }

        if ((f & CharClass.Number) != 0)
        {
            var p = s;
            while ((Peek(p, out l) & CharClass.Number) != 0)
            {
                p += l;
            }

            return p;
        }

        if (IsOther(f))
        {
            var p = s;
            while (IsOther(Peek(p, out l)))
            {
                p += l;
            }

            return p;
        }

        return WhitespaceWithNewlines(i, allowNewlineRule: false);
    }

    // ---- helpers ----

    /// <summary><c>'s|'t|'re|'ve|'m|'ll|'d</c> at <paramref name="p"/> (optionally case-insensitive); returns <paramref name="p"/> when absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Contraction(int p, bool caseInsensitive)
    {
        if (ByteAt(p) != '\'')
        {
            return p;
        }

        var a = ByteAt(p + 1);
        if (caseInsensitive && a is >= 'A' and <= 'Z')
        {
            a |= 0x20;
        }

        switch (a)
        {
            case 's' or 't' or 'm' or 'd':
                return p + 2;
            case 0xC5 when caseInsensitive && ByteAt(p + 2) == 0xBF:
                return p + 3; // U+017F LATIN SMALL LETTER LONG S case-folds to 's'
            case 'r' or 'v' or 'l':
                var b = ByteAt(p + 2);
                if (caseInsensitive && b is >= 'A' and <= 'Z')
                {
                    b |= 0x20;
                }

                return (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') ? p + 3 : p;
            default:
                return p;
        }
    }

    /// <summary>The byte at <paramref name="p"/>, or -1 past the end (noting that the end was seen).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ByteAt(int p)
    {
        if ((uint)p < (uint)_text.Length)
        {
            return _text[p];
        }

        _hitEnd = true;
        return -1;
    }

    /// <summary>The classes of the code point at <paramref name="p"/> and its length in bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte Peek(int p, out int length)
    {
        if ((uint)p < (uint)_text.Length)
        {
            var b = _text[p];
            if (b < 0x80)
            {
                length = 1;
                return AsciiClasses[b];
            }

            return PeekMultiByte(p, out length);
        }

        _hitEnd = true;
        length = 0;
        return CharClass.End;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private byte PeekMultiByte(int p, out int length)
    {
        // Fast path for well-formed 2-, 3- and 4-byte sequences; anything unusual goes through Rune.
        var text = _text;
        var b0 = text[p];
        if (b0 >= 0xC2 && b0 < 0xE0 && p + 1 < text.Length)
        {
            var b1 = text[p + 1];
            if ((b1 & 0xC0) == 0x80)
            {
                length = 2;
                return CharClass.Of(((b0 & 0x1F) << 6) | (b1 & 0x3F));
            }
        }
        else if (b0 >= 0xE0 && b0 < 0xF0 && p + 2 < text.Length)
        {
            var b1 = text[p + 1];
            var b2 = text[p + 2];
            var cp = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
            if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF))
            {
                length = 3;
                return CharClass.Of(cp);
            }
        }
        else if (b0 >= 0xF0 && b0 < 0xF5 && p + 3 < text.Length)
        {
            var b1 = text[p + 1];
            var b2 = text[p + 2];
            var b3 = text[p + 3];
            var cp = ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F);
            if ((b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80 && (b3 & 0xC0) == 0x80 && cp is >= 0x10000 and <= 0x10FFFF)
            {
                length = 4;
                return CharClass.Of(cp);
            }
        }

        return PeekSlow(p, out length);
    }

    private byte PeekSlow(int p, out int length)
    {
        var status = Rune.DecodeFromUtf8(_text[p..], out var rune, out length);
        if (status == System.Buffers.OperationStatus.NeedMoreData)
        {
            _hitEnd = true;
            if (!_isFinal)
            {
                length = 0;
                return CharClass.End;
            }
        }

        // Invalid bytes stand for U+FFFD (a symbol), as a UTF-8 decoder would make them.
        return status == System.Buffers.OperationStatus.Done ? CharClass.Of(rune.Value) : (byte)0;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsNotLetterNumberNewline(byte f) =>
        (f & (CharClass.Letter | CharClass.Number | CharClass.Newline | CharClass.End)) == 0;

    /// <summary><c>[^\s\p{L}\p{N}]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsOther(byte f) =>
        (f & (CharClass.Letter | CharClass.Number | CharClass.Space | CharClass.End)) == 0;

    private static ReadOnlySpan<byte> AsciiClasses => s_ascii;

    private static readonly byte[] s_ascii = BuildAscii();

    private static byte[] BuildAscii()
    {
        var table = new byte[128];
        for (var i = 0; i < 128; i++)
        {
            table[i] = CharClass.Of(i);
        }

        return table;
    }
}
