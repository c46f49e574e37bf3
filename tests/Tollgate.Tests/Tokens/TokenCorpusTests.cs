using System.Text;
using System.Text.Json;
using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

/// <summary>Counts over the shared corpus must equal tiktoken's (expected.json, from tiktoken 1.0.22 encode_ordinary).</summary>
public sealed class TokenCorpusTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (file, _) in Expected())
        {
            data.Add(file, "o200k_base");
            data.Add(file, "cl100k_base");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CountTokens_CorpusFile_EqualsTiktoken(string file, string encoding)
    {
        var expected = Expected()[file][encoding];
        var text = File.ReadAllText(Path.Combine(SharedData.Directory("tokens"), file), new UTF8Encoding(false));
        var tokenizer = TiktokenEncoding.Get(encoding);

        Assert.Equal(expected, tokenizer.CountTokens(text.AsSpan()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CountTokens_CorpusFileAsUtf8Bytes_EqualsTiktoken(string file, string encoding)
    {
        var expected = Expected()[file][encoding];
        var bytes = File.ReadAllBytes(Path.Combine(SharedData.Directory("tokens"), file));

        Assert.Equal(expected, TiktokenEncoding.Get(encoding).CountTokens(bytes.AsSpan()));
    }

    [Fact]
    public void Expected_CoversEveryCorpusFile()
    {
        var files = System.IO.Directory.GetFiles(SharedData.Directory("tokens"), "*.txt").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(15, files.Length);
        Assert.Equal(files, Expected().Keys.Order().ToArray());
    }

    internal static Dictionary<string, Dictionary<string, int>> Expected()
    {
        var json = File.ReadAllText(Path.Combine(SharedData.Directory("tokens"), "expected.json"));
        return JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, int>>>(json)!;
    }
}
