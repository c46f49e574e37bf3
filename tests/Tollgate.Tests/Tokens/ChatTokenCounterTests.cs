using Tollgate.Tokens;

namespace Tollgate.Tests.Tokens;

/// <summary>
/// Hand-computed figures. Token counts of the strings involved (tiktoken 1.0.22, o200k_base and cl100k_base agree):
/// "system" 1, "user" 1, "assistant" 1, "tool" 1, "You are a helpful assistant." 6, "Hello!" 2, "alice" 1,
/// "Weather in Paris?" 4, "get_weather" 2, "{\"location\":\"Paris\"}" 5, "Sunny, 21C" 5 (o200k), "call_1" 3,
/// "What is in this image?" 6, "get_weather:Get the current weather" 6, "location:string:City and country" 6,
/// "unit:string:Temperature unit" 5, "c" 1, "f" 1.
/// </summary>
public sealed class ChatTokenCounterTests
{
    private const string WeatherTool = """
        {"type":"function","function":{"name":"get_weather","description":"Get the current weather.",
         "parameters":{"type":"object","properties":{
           "location":{"type":"string","description":"City and country."},
           "unit":{"type":"string","enum":["c","f"],"description":"Temperature unit"}},
         "required":["location"]}}}
        """;

    [Fact]
    public void Count_Messages_PerMessageOverheadNameAndPriming()
    {
        const string json = """
            {"model":"gpt-4o","messages":[
              {"role":"system","content":"You are a helpful assistant."},
              {"role":"user","content":"Hello!","name":"alice"}]}
            """;

        var count = new ChatTokenCounter().Count(json);

        // (3 + 1 + 6) + (3 + 1 + 2 + 1 + 1 name) + 3 priming = 21
        Assert.Equal(21, count.MessageTokens);
        Assert.Equal(21, count.Total);
        Assert.False(count.IsEstimate);
        Assert.Equal("o200k_base", count.Encoding);
    }

    [Fact]
    public void Count_Gpt35Turbo0301_FourPerMessageNameMinusOne()
    {
        const string json = """{"model":"gpt-3.5-turbo-0301","messages":[{"role":"user","content":"Hello!","name":"alice"}]}""";

        // 4 + 1 + 2 + (1 - 1) + 3 = 10
        Assert.Equal(10, new ChatTokenCounter().Count(json).Total);
    }

    [Theory]
    [InlineData("gpt-4o", 50)]       // 7 + 6 + 3 + (3 + 6) + (3 - 3 + (3 + 1) + (3 + 1) + 5) + 12
    [InlineData("gpt-4-0613", 53)]   // same with 10 per function (cl100k)
    public void Count_ToolDefinitions_CookbookFormula(string model, long expectedTools)
    {
        var json = $$$"""{"model":"{{{model}}}","tools":[{{{WeatherTool}}}],"messages":[{"role":"user","content":"Weather in Paris?"}]}""";

        var count = new ChatTokenCounter().Count(json);

        Assert.Equal(expectedTools, count.ToolTokens);
        Assert.Equal(3 + 1 + 4 + 3, count.MessageTokens);
        Assert.False(count.IsEstimate);
    }

    [Fact]
    public void Count_ToolCallsAndResults_CountedAndFlagged()
    {
        var json = $$$"""
            {"model":"gpt-4o","tools":[{{{WeatherTool}}}],"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"location\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"Sunny, 21C"}]}
            """;

        var count = new ChatTokenCounter().Count(json);

        // user 3+1+4 = 8; assistant 3+1 + (2 + 5 + 3) = 14; tool 3+1+5 + 3 (id) = 12; priming 3 -> 37
        Assert.Equal(37, count.MessageTokens);
        Assert.Equal(50, count.ToolTokens);
        Assert.Equal(87, count.Total);
        Assert.True(count.IsEstimate);
        Assert.Contains(count.Notes, n => n.Contains("tool calls", StringComparison.Ordinal));
    }

    [Fact]
    public void Count_ImageDataUrl_TilesFromHeaderSize()
    {
        var url = TestImages.DataUrl(TestImages.Png(1024, 1024));
        var json = $$$"""
            {"model":"gpt-4o","messages":[{"role":"user","content":[
              {"type":"text","text":"What is in this image?"},
              {"type":"image_url","image_url":{"url":"{{{url}}}","detail":"high"}}]}]}
            """;

        var count = new ChatTokenCounter().Count(json);

        Assert.Equal(3 + 1 + 6 + 3, count.MessageTokens);
        Assert.Equal(765, count.ImageTokens);
        Assert.Equal(778, count.Total);
        Assert.False(count.IsEstimate);
    }

    [Fact]
    public void Count_RemoteImage_WorstCaseAndFlagged()
    {
        const string json = """
            {"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}
            """;

        var count = new ChatTokenCounter().Count(json);

        Assert.Equal(1445, count.ImageTokens);
        Assert.True(count.IsEstimate);
    }

    [Fact]
    public void Count_WavAudio_TenTokensPerSecond()
    {
        // 16 kHz mono 16-bit = 32000 bytes/s; 2.5 s of silence.
        var data = new byte[80_000];
        var wav = new byte[44 + data.Length];
        "RIFF"u8.CopyTo(wav);
        BitConverter.TryWriteBytes(wav.AsSpan(4), 36 + data.Length);
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BitConverter.TryWriteBytes(wav.AsSpan(16), 16);
        BitConverter.TryWriteBytes(wav.AsSpan(20), (short)1);
        BitConverter.TryWriteBytes(wav.AsSpan(22), (short)1);
        BitConverter.TryWriteBytes(wav.AsSpan(24), 16_000);
        BitConverter.TryWriteBytes(wav.AsSpan(28), 32_000);
        BitConverter.TryWriteBytes(wav.AsSpan(32), (short)2);
        BitConverter.TryWriteBytes(wav.AsSpan(34), (short)16);
        "data"u8.CopyTo(wav.AsSpan(36));
        BitConverter.TryWriteBytes(wav.AsSpan(40), data.Length);
        var json = $$$"""
            {"model":"gpt-4o-audio-preview","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"{{{Convert.ToBase64String(wav)}}}","format":"wav"}}]}]}
            """;

        var count = new ChatTokenCounter().Count(json);

        Assert.Equal(25, count.AudioTokens);
        Assert.False(count.IsEstimate);
        Assert.Equal(50, AudioTokens.ForModel("gpt-4o-audio-preview", TimeSpan.FromSeconds(2.5), isOutput: true).Tokens);
        Assert.Equal(80, AudioTokens.ForModel("gemini-2.5-flash", TimeSpan.FromSeconds(2.5)).Tokens);
    }

    [Fact]
    public void Count_AnthropicModel_ScaledAndFlagged()
    {
        const string json = """{"model":"claude-sonnet-4-5","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Hello!","name":"alice"}]}""";

        var count = new ChatTokenCounter().Count(json);

        Assert.Equal(28, count.MessageTokens); // ceil(21 x 1.30) = ceil(27.3)
        Assert.True(count.IsEstimate);
    }

    [Fact]
    public void Count_CachedCounter_SameResult()
    {
        var cache = new TokenCountCache(capacity: 16, minimumLength: 0);
        var counter = new ChatTokenCounter(cache);
        const string json = """{"model":"gpt-4o","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Hello!","name":"alice"}]}""";

        Assert.Equal(21, counter.Count(json).Total);
        Assert.Equal(21, counter.Count(json).Total);
        Assert.True(cache.Hits > 0);
    }

    [Theory]
    [InlineData("[]", "JSON object")]
    [InlineData("{\"model\":\"gpt-4o\"}", "messages")]
    [InlineData("{\"messages\":[{\"content\":\"x\"}]}", "role")]
    [InlineData("{not json", "not valid JSON")]
    public void Parse_BadRequest_FormatExceptionSaysWhat(string json, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => ChatPromptParser.Parse(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MaxCompletionTokensAndN_Read()
    {
        var prompt = ChatPromptParser.Parse("""{"model":"o3","max_tokens":10,"max_completion_tokens":500,"n":2,"messages":[]}""");

        Assert.Equal(500, prompt.MaxOutputTokens);
        Assert.Equal(2, prompt.Choices);
    }
}
