using System.Text.Unicode;

namespace Tollgate.Tokens;

/// <summary>
/// Counts the tokens of text that arrives in pieces — the content deltas of a streamed response — so a stream cut
/// off before the provider's usage chunk can still be billed from what passed. The count equals the count of the
/// concatenated text at every moment. One instance per stream; not thread-safe.
/// </summary>
public sealed class StreamingTokenCounter
{
    private readonly TiktokenEncoding _encoding;
    private byte[] _pending = new byte[256]; // UTF-8 of the text after the last settled pre-token
    private int _pendingLength;
    private char _highSurrogate;
    private long _settled;

    internal StreamingTokenCounter(TiktokenEncoding encoding)
    {
        _encoding = encoding;
    }

    /// <summary>Creates a counter for <paramref name="encoding"/>.</summary>
    public static StreamingTokenCounter For(TiktokenEncoding encoding) => new(encoding ?? throw new ArgumentNullException(nameof(encoding)));

    /// <summary>The encoding counted with.</summary>
    public string EncodingName => _encoding.Name;

    /// <summary>UTF-16 characters appended through <see cref="Append"/> so far.</summary>
    public long CharactersSeen { get; private set; }

    /// <summary>
    /// Tokens of all text appended so far (the unsettled tail counted as if the stream ended now). A trailing
    /// unpaired high surrogate is held back until its pair arrives.
    /// </summary>
    public long Count => _settled + _encoding.CountChunk(_pending.AsSpan(0, _pendingLength), isFinal: true, out _, null);

    /// <summary>Adds a text delta.</summary>
    public void Append(ReadOnlySpan<char> delta)
    {
        if (delta.IsEmpty)
        {
            return;
        }

        CharactersSeen += delta.Length;
        if (_highSurrogate != '\0')
        {
            Span<char> pair = [_highSurrogate, delta[0]];
            _highSurrogate = '\0';
            AppendChars(pair[..(char.IsLowSurrogate(delta[0]) ? 2 : 1)], final: true);
            delta = char.IsLowSurrogate(delta[0]) ? delta[1..] : delta;
        }

        if (!delta.IsEmpty && char.IsHighSurrogate(delta[^1]))
        {
            _highSurrogate = delta[^1];
            delta = delta[..^1];
        }

        AppendChars(delta, final: true);
        Settle();
    }

    /// <summary>Adds a delta given as UTF-8 bytes (must end on a character boundary).</summary>
    public void AppendUtf8(ReadOnlySpan<byte> delta)
    {
        EnsureRoom(delta.Length);
        delta.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += delta.Length;
        Settle();
    }

    private void AppendChars(ReadOnlySpan<char> chars, bool final)
    {
        EnsureRoom(chars.Length * 3);
        Utf8.FromUtf16(chars, _pending.AsSpan(_pendingLength), out _, out var written, replaceInvalidSequences: true, isFinalBlock: final);
        _pendingLength += written;
    }

    private void Settle()
    {
        _settled += _encoding.CountChunk(_pending.AsSpan(0, _pendingLength), isFinal: false, out var consumed, null);
        if (consumed > 0)
        {
            _pending.AsSpan(consumed, _pendingLength - consumed).CopyTo(_pending);
            _pendingLength -= consumed;
        }
    }

    private void EnsureRoom(int extra)
    {
        if (_pendingLength + extra > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + extra));
        }
    }
}
