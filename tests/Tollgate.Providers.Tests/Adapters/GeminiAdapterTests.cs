using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Providers.Tests.Infrastructure;

namespace Tollgate.Providers.Tests.Adapters;

public sealed class GeminiAdapterTests : IAsyncLifetime
{
    private const string Jpeg = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDA==";

    private static readonly string Request = """
        {"model":"gemini-2.5-flash","max_completion_tokens":800,"temperature":0.1,"top_p":0.9,
         "response_format":{"type":"json_object"},
         "messages":[
           {"role":"system","content":"Answer in JSON."},
           {"role":"user","content":[{"type":"text","text":"Describe this and get the weather."},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,IMAGE_DATA"}}]},
           {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
           {"role":"tool","tool_call_id":"call_1","content":"{\"temp_c\":24}"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","additionalProperties":false,"properties":{"city":{"type":"string"}},"required":["city"]}}}],
         "tool_choice":{"type":"function","function":{"name":"get_weather"}}}
        """.Replace("IMAGE_DATA", Jpeg, StringComparison.Ordinal);

    private const string Response = """
        {"candidates":[{"content":{"parts":[{"text":"thinking about rome","thought":true},{"text":"{\"scene\":\"Colosseum\"}"},{"functionCall":{"name":"get_weather","args":{"city":"Rome","unit":"c"}}}],"role":"model"},"finishReason":"STOP","index":0}],
         "usageMetadata":{"promptTokenCount":345,"candidatesTokenCount":70,"totalTokenCount":513,"cachedContentTokenCount":191,
           "promptTokensDetails":[{"modality":"TEXT","tokenCount":87},{"modality":"IMAGE","tokenCount":258}],
           "cacheTokensDetails":[{"modality":"IMAGE","tokenCount":143},{"modality":"TEXT","tokenCount":48}],
           "thoughtsTokenCount":98},
         "modelVersion":"gemini-2.5-flash","responseId":"mNvJaK7eCtGXmtkP2qSi0Aw"}
        """;

    private FakeUpstream _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task SendChatAsync_ToolsImagesThoughtsAndCache_TranslatesBothWays()
    {
        _upstream.Handler = FakeUpstream.Json(Response);
        var adapter = TestAdapters.Create("google", _upstream.BaseUrl);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse(Request), TestContext.Current.CancellationToken);

        var sent = _upstream.LastRequest;
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", sent.Path);
        Assert.Equal(TestAdapters.Key, sent.Headers["x-goog-api-key"]);
        Assert.DoesNotContain(TestAdapters.Key, sent.Query, StringComparison.Ordinal);
        using (var body = JsonDocument.Parse(sent.Body))
        {
            var root = body.RootElement;
            Assert.Equal("Answer in JSON.", root.GetProperty("systemInstruction").GetProperty("parts")[0].GetProperty("text").GetString());
            var contents = root.GetProperty("contents");
            Assert.Equal("user", contents[0].GetProperty("role").GetString());
            Assert.Equal("image/jpeg", contents[0].GetProperty("parts")[1].GetProperty("inlineData").GetProperty("mimeType").GetString());
            Assert.Equal(Jpeg, contents[0].GetProperty("parts")[1].GetProperty("inlineData").GetProperty("data").GetString());
            Assert.Equal("model", contents[1].GetProperty("role").GetString());
            Assert.Equal("Rome", contents[1].GetProperty("parts")[0].GetProperty("functionCall").GetProperty("args").GetProperty("city").GetString());
            var functionResponse = contents[2].GetProperty("parts")[0].GetProperty("functionResponse");
            Assert.Equal("get_weather", functionResponse.GetProperty("name").GetString());
            Assert.Equal(24, functionResponse.GetProperty("response").GetProperty("temp_c").GetInt32());
            var generation = root.GetProperty("generationConfig");
            Assert.Equal(800, generation.GetProperty("maxOutputTokens").GetInt32());
            Assert.Equal("application/json", generation.GetProperty("responseMimeType").GetString());
            Assert.Equal(0.9, generation.GetProperty("topP").GetDouble());
            var declaration = root.GetProperty("tools")[0].GetProperty("functionDeclarations")[0];
            Assert.Equal("get_weather", declaration.GetProperty("name").GetString());
            Assert.False(declaration.GetProperty("parameters").TryGetProperty("additionalProperties", out _));
            var calling = root.GetProperty("toolConfig").GetProperty("functionCallingConfig");
            Assert.Equal("ANY", calling.GetProperty("mode").GetString());
            Assert.Equal("get_weather", calling.GetProperty("allowedFunctionNames")[0].GetString());
        }

        Assert.Equal("tool_calls", response.FinishReason);
        using (var answer = JsonDocument.Parse(await response.ReadBodyAsync(TestContext.Current.CancellationToken)))
        {
            var message = answer.RootElement.GetProperty("choices")[0].GetProperty("message");
            Assert.Equal("{\"scene\":\"Colosseum\"}", message.GetProperty("content").GetString());
            var call = message.GetProperty("tool_calls")[0];
            Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
            Assert.Equal("c", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("unit").GetString());
            var usage = answer.RootElement.GetProperty("usage");
            Assert.Equal(345, usage.GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(168, usage.GetProperty("completion_tokens").GetInt32());
            Assert.Equal(98, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        }

        var mapped = response.Usage!;
        Assert.Equal(345, mapped.InputTokens);
        Assert.Equal(191, mapped.CacheReadTokens);
        Assert.Equal(168, mapped.OutputTokens);
        Assert.Equal(98, mapped.ReasoningTokens);
        Assert.Equal(258, mapped[UsageUnit.InputImageTokens]);
        Assert.Equal(143, mapped[UsageUnit.CacheImageReadTokens]);
    }

    [Fact]
    public async Task SendChatAsync_Stream_UsesAltSseAndTakesLastUsage()
    {
        string[] events =
        [
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"The Colos\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":1200,\"candidatesTokenCount\":3,\"totalTokenCount\":1203,\"cachedContentTokenCount\":1024},\"modelVersion\":\"gemini-2.5-pro\",\"responseId\":\"r-1\"}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"seum.\"}],\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":1200,\"candidatesTokenCount\":6,\"totalTokenCount\":1206,\"cachedContentTokenCount\":1024},\"modelVersion\":\"gemini-2.5-pro\",\"responseId\":\"r-1\"}\r\n\r\n",
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Rome\"}}}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":1200,\"candidatesTokenCount\":21,\"totalTokenCount\":1461,\"cachedContentTokenCount\":1024,\"thoughtsTokenCount\":240},\"modelVersion\":\"gemini-2.5-pro\",\"responseId\":\"r-1\"}\r\n\r\n",
        ];
        _upstream.Handler = FakeUpstream.Sse(events);
        var adapter = TestAdapters.Create("google", _upstream.BaseUrl);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"gemini-2.5-pro","stream":true,"messages":[{"role":"user","content":"What is this?"}]}"""), TestContext.Current.CancellationToken);
        var body = await response.ReadBodyAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("/v1beta/models/gemini-2.5-pro:streamGenerateContent", _upstream.LastRequest.Path);
        Assert.Equal("?alt=sse", _upstream.LastRequest.Query);
        var chunks = AnthropicAdapterTests.DataLines(body);
        Assert.Equal("[DONE]", chunks[^1]);
        var parsed = chunks[..^1].Select(c => JsonDocument.Parse(c).RootElement).ToList();
        var text = string.Concat(parsed.Where(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out _))
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal("The Colosseum.", text);
        Assert.Contains(parsed, c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("tool_calls", out var calls) &&
            calls[0].GetProperty("function").GetProperty("name").GetString() == "get_weather");
        Assert.Equal(261, parsed[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        Assert.True(response.Completed);
        Assert.Equal("tool_calls", response.FinishReason);
        Assert.Equal(1200, response.Usage!.InputTokens);
        Assert.Equal(1024, response.Usage.CacheReadTokens);
        Assert.Equal(261, response.Usage.OutputTokens);
        Assert.Equal(240, response.Usage.ReasoningTokens);
    }

    [Fact]
    public async Task SendChatAsync_BadKey_IsUnauthorizedWithoutTheKey()
    {
        _upstream.Handler = FakeUpstream.Json("""{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}""", 403);
        var adapter = TestAdapters.Create("google", _upstream.BaseUrl);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"gemini-2.5-flash","messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);

        Assert.Equal(ProviderFailureKind.Unauthorized, response.Failure!.Kind);
        Assert.False(response.Failure.IsRetryable);
        Assert.Contains("API key not valid", response.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TestAdapters.Key, response.Failure.Message, StringComparison.Ordinal);
    }
}
