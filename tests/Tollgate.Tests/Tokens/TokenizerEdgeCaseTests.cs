using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

/// <summary>Edge cases against counts taken from tiktoken 1.0.22 (encode_ordinary) for each encoding.</summary>
public sealed class TokenizerEdgeCaseTests
{
    public static TheoryData<string, string, int, int, int, int> Cases() => new()
    {
        // name, text, o200k, cl100k, p50k, r50k
        { "astral letters (Mathematical Bold, Deseret, CJK Ext. B)", "\U0001D400\U0001D401\U0001D402 \U0001D41A\U0001D41B\U0001D41C \U00010437\U00010438 \U0001D54Fyz \U00020000\U00020001\U00020002", 37, 40, 46, 46 },
        { "U+FEFF is not whitespace", "a\uFEFFb \uFEFF hello\uFEFF", 6, 6, 12, 12 },
        { "U+0085 and U+3000 are whitespace, U+200B is not", "x\u0085y \u3000 z\u3000\u3000w \u200B zw\u200Bj", 13, 14, 18, 18 },
        { "digit runs", "1234567890123 00000000 3.14159 1,000,000 \u0663\u0664\u0665\u0666", 25, 29, 24, 24 },
        { "contractions", "I'm you're he's it'll we've they'd don't DON'T She'S 'sup o'neil", 16, 24, 26, 26 },
        { "CRLF", "line1\r\nline2\r\n\r\n  indented\r\n\ttab\r\n", 12, 12, 19, 19 },
        { "combining marks and title case", "e\u0301le\u0300ve \u00C9COLE \u03A9mega \u02B0A \u01C5x", 18, 19, 21, 21 },
        { "special tokens are text", "<|endoftext|> hello <|endofprompt|>", 15, 14, 16, 16 },
        { "whitespace runs", "a     b\t\t\tc  \n  \n d   ", 8, 8, 13, 20 },
        { "punctuation with slashes and newlines", "foo//bar\n/baz !!!\n\n?? ...", 9, 10, 13, 13 },
        { "long s case-folds to s in contractions", "it'\u017F ok", 4, 5, 5, 5 },
        { "empty", "", 0, 0, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CountTokens_EdgeCase_EqualsTiktoken(string name, string text, int o200k, int cl100k, int p50k, int r50k)
    {
        Assert.True(name.Length > 0);
        Assert.Equal(o200k, TiktokenEncoding.Get("o200k_base").CountTokens(text.AsSpan()));
        Assert.Equal(cl100k, TiktokenEncoding.Get("cl100k_base").CountTokens(text.AsSpan()));
        Assert.Equal(p50k, TiktokenEncoding.Get("p50k_base").CountTokens(text.AsSpan()));
        Assert.Equal(r50k, TiktokenEncoding.Get("r50k_base").CountTokens(text.AsSpan()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_EdgeCase_CountMatchesAndDecodesBack(string name, string text, int o200k, int cl100k, int p50k, int r50k)
    {
        _ = (name, p50k, r50k);
        var o = TiktokenEncoding.Get("o200k_base");
        var c = TiktokenEncoding.Get("cl100k_base");

        Assert.Equal(o200k, o.Encode(text.AsSpan()).Count);
        Assert.Equal(cl100k, c.Encode(text.AsSpan()).Count);
        Assert.Equal(text, o.Decode(o.Encode(text.AsSpan())));
        Assert.Equal(text, c.Decode(c.Encode(text.AsSpan())));
    }

    [Fact]
    public void Encode_HelloWorld_ReturnsTiktokenIds()
    {
        Assert.Equal([24912, 2375], TiktokenEncoding.O200kBase.Encode("hello world"));
        Assert.Equal([15339, 1917], TiktokenEncoding.Cl100kBase.Encode("hello world"));
    }

    [Fact]
    public void Decode_UnknownId_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TiktokenEncoding.O200kBase.Decode([int.MaxValue]));
    }

    [Fact]
    public void Get_UnknownEncoding_ThrowsWithKnownNames()
    {
        var ex = Assert.Throws<ArgumentException>(() => TiktokenEncoding.Get("o300k_base"));
        Assert.Contains("o200k_base", ex.Message);
    }

    [Fact]
    public void CountTokens_LongTextCountedInChunks_EqualsSumOverBytes()
    {
        // Longer than the whole-text limit, with pieces straddling every chunk boundary (long runs of each class).
        var builder = new System.Text.StringBuilder();
        var random = new Random(7);
        string[] atoms = ["hello", " world", "  ", "\r\n", "12345678", "\U0001D400\U0001D41A", "\u4E2D\u6587", "!!", "\u3000", "it's", "\uFEFF", new string(' ', 300), new string('x', 700)];
        while (builder.Length < 300_000)
        {
            builder.Append(atoms[random.Next(atoms.Length)]);
        }

        var text = builder.ToString();
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        foreach (var name in TiktokenEncoding.Names)
        {
            var encoding = TiktokenEncoding.Get(name);
            Assert.Equal(encoding.CountTokens(utf8.AsSpan()), encoding.CountTokens(text.AsSpan()));
            Assert.Equal(encoding.CountTokens(utf8.AsSpan()), encoding.Encode(text.AsSpan()).Count);
        }
    }

    [Fact]
    public async Task CountTokensAsync_StreamWithInvalidUtf8_CountsReplacementCharacters()
    {
        byte[] bytes = [(byte)'a', (byte)'b', 0xFF, (byte)'c', 0xE4, 0xB8];
        var expected = TiktokenEncoding.O200kBase.CountTokens("ab\uFFFDc\uFFFD".AsSpan());

        var count = await TiktokenEncoding.O200kBase.CountTokensAsync(new MemoryStream(bytes), TestContext.Current.CancellationToken);

        Assert.Equal(expected, count);
    }
}
