namespace Tollgate.Tokens;

/// <summary>Turns text into tokens and back. Implementations are thread-safe.</summary>
public interface ITokenizer
{
    /// <summary>The encoding's name, e.g. <c>o200k_base</c>.</summary>
    string Name { get; }

    /// <summary>The number of tokens in <paramref name="text"/>, special-token strings counted as ordinary text.</summary>
    int CountTokens(ReadOnlySpan<char> text);

    /// <summary>The number of tokens in UTF-8 <paramref name="utf8"/> (invalid bytes count as U+FFFD).</summary>
    int CountTokens(ReadOnlySpan<byte> utf8);

    /// <summary>The token ids of <paramref name="text"/> (tiktoken's <c>encode_ordinary</c>).</summary>
    IReadOnlyList<int> Encode(ReadOnlySpan<char> text);

    /// <summary>The text of <paramref name="tokens"/>; an unknown id is an <see cref="ArgumentOutOfRangeException"/>.</summary>
    string Decode(IEnumerable<int> tokens);
}
