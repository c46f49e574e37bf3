namespace Tollgate.Tokens;

/// <summary>An <see cref="ITokenizer"/> whose counts go through a <see cref="TokenCountCache"/>.</summary>
public sealed class CachingTokenizer(ITokenizer inner, TokenCountCache cache) : ITokenizer
{
    private readonly ITokenizer _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly TokenCountCache _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    public string Name => _inner.Name;

    public int CountTokens(ReadOnlySpan<char> text) => _cache.GetOrCount(_inner, text);

    public int CountTokens(ReadOnlySpan<byte> utf8) => _inner.CountTokens(utf8);

    public IReadOnlyList<int> Encode(ReadOnlySpan<char> text) => _inner.Encode(text);

    public string Decode(IEnumerable<int> tokens) => _inner.Decode(tokens);
}
