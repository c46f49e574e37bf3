using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

public sealed class TokenCountCacheTests
{
    [Fact]
    public void GetOrCount_RepeatedText_HitsAndReturnsSameCount()
    {
        var cache = new TokenCountCache(capacity: 10, minimumLength: 0);
        var tokenizer = new CountingTokenizer();

        var first = cache.GetOrCount(tokenizer, "some prompt text");
        var second = cache.GetOrCount(tokenizer, "some prompt text");

        Assert.Equal(first, second);
        Assert.Equal(1, tokenizer.Calls);
        Assert.Equal(1, cache.Hits);
        Assert.Equal(1, cache.Misses);
    }

    [Fact]
    public void GetOrCount_OverCapacity_EvictsLeastRecentlyUsed()
    {
        var cache = new TokenCountCache(capacity: 2, minimumLength: 0);
        var tokenizer = new CountingTokenizer();
        cache.GetOrCount(tokenizer, "a");
        cache.GetOrCount(tokenizer, "b");
        cache.GetOrCount(tokenizer, "a"); // a is now most recent
        cache.GetOrCount(tokenizer, "c"); // evicts b

        cache.GetOrCount(tokenizer, "a");
        Assert.Equal(3, tokenizer.Calls);
        cache.GetOrCount(tokenizer, "b");
        Assert.Equal(4, tokenizer.Calls);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void GetOrCount_SameTextDifferentEncodings_SeparateEntries()
    {
        var cache = new TokenCountCache(capacity: 10, minimumLength: 0);
        var text = "<|endoftext|> and some more text, with 12345 digits";

        Assert.Equal(TiktokenEncoding.O200kBase.CountTokens(text), cache.GetOrCount(TiktokenEncoding.O200kBase, text));
        Assert.Equal(TiktokenEncoding.Cl100kBase.CountTokens(text), cache.GetOrCount(TiktokenEncoding.Cl100kBase, text));
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void GetOrCount_ShortText_BypassesCache()
    {
        var cache = new TokenCountCache(capacity: 10, minimumLength: 100);
        var tokenizer = new CountingTokenizer();
        cache.GetOrCount(tokenizer, "short");
        cache.GetOrCount(tokenizer, "short");

        Assert.Equal(2, tokenizer.Calls);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void GetOrCount_ManyThreads_StaysBoundedAndCorrect()
    {
        var cache = new TokenCountCache(capacity: 64, minimumLength: 0);
        var texts = Enumerable.Range(0, 500).Select(i => $"prompt number {i} with some shared text").ToArray();
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var text = texts[(i * 7919) % texts.Length];
            Assert.Equal(TiktokenEncoding.O200kBase.CountTokens(text), cache.GetOrCount(TiktokenEncoding.O200kBase, text));
        });

        Assert.True(cache.Count <= 64);
        Assert.Equal(20_000, cache.Hits + cache.Misses);
    }

    [Fact]
    public void CachingTokenizer_CountsThroughCache()
    {
        var cache = new TokenCountCache(capacity: 4, minimumLength: 0);
        var tokenizer = new CachingTokenizer(TiktokenEncoding.O200kBase, cache);

        Assert.Equal(2, tokenizer.CountTokens("hello world"));
        Assert.Equal(2, tokenizer.CountTokens("hello world"));
        Assert.Equal(1, cache.Hits);
    }

    private sealed class CountingTokenizer : ITokenizer
    {
        public int Calls;

        public string Name => "fake";

        public int CountTokens(ReadOnlySpan<char> text)
        {
            Interlocked.Increment(ref Calls);
            return text.Length;
        }

        public int CountTokens(ReadOnlySpan<byte> utf8) => utf8.Length;

        public IReadOnlyList<int> Encode(ReadOnlySpan<char> text) => [];

        public string Decode(IEnumerable<int> tokens) => "";
    }
}
