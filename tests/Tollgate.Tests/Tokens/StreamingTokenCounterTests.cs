using System.Text;
using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

public sealed class StreamingTokenCounterTests
{
    [Theory]
    [InlineData("o200k_base")]
    [InlineData("cl100k_base")]
    public void Append_RandomDeltas_CountEqualsWholeTextAtEveryStep(string encodingName)
    {
        var encoding = TiktokenEncoding.Get(encodingName);
        var text = File.ReadAllText(Path.Combine(SharedData.Directory("tokens"), "mixed.txt"), new UTF8Encoding(false))[..40_000];
        var counter = encoding.CreateStreamingCounter();
        var random = new Random(42);
        var position = 0;
        var step = 0;
        while (position < text.Length)
        {
            // Deltas of 1..12 UTF-16 units: they split words, CRLFs and surrogate pairs.
            var length = Math.Min(random.Next(1, 13), text.Length - position);
            counter.Append(text.AsSpan(position, length));
            position += length;
            if (++step % 97 == 0 && !char.IsHighSurrogate(text[position - 1]))
            {
                Assert.Equal(encoding.CountTokens(text.AsSpan(0, position)), counter.Count);
            }
        }

        Assert.Equal(encoding.CountTokens(text.AsSpan()), counter.Count);
    }

    [Fact]
    public void Append_CutOffStream_CountsWhatPassed()
    {
        var counter = StreamingTokenCounter.For(TiktokenEncoding.O200kBase);
        foreach (var delta in new[] { "Hel", "lo", " wor", "ld", "!\r", "\n" })
        {
            counter.Append(delta);
        }

        Assert.Equal(TiktokenEncoding.O200kBase.CountTokens("Hello world!\r\n"), counter.Count);
    }

    [Fact]
    public void AppendUtf8_SplitMultiByteCharacters_EqualsWholeCount()
    {
        var text = "Grüße, 世界! \U0001F600\U0001F600 ok";
        var bytes = Encoding.UTF8.GetBytes(text);
        var counter = StreamingTokenCounter.For(TiktokenEncoding.O200kBase);
        for (var i = 0; i < bytes.Length; i++)
        {
            counter.AppendUtf8(bytes.AsSpan(i, 1));
        }

        Assert.Equal(TiktokenEncoding.O200kBase.CountTokens(text), counter.Count);
    }
}
