using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Providers.Tests.Infrastructure;

namespace Tollgate.Providers.Tests.Adapters;

public sealed class AnthropicAdapterTests : IAsyncLifetime
{
    private const string Png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    private static readonly string Request = """
        {"model":"claude-sonnet-4-5","max_tokens":1024,"temperature":0.3,"stop":"END",
         "messages":[
           {"role":"system","content":[{"type":"text","text":"You are a weather bot.","cache_control":{"type":"ephemeral","ttl":"1h"}}]},
           {"role":"user","content":[{"type":"text","text":"What's in this picture, and the weather in Paris?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,IMAGE_DATA"}},{"type":"image_url","image_url":{"url":"https://example.com/eiffel.jpg"}}]},
           {"role":"assistant","content":"Let me check.","tool_calls":[{"id":"toolu_01A","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
           {"role":"tool","tool_call_id":"toolu_01A","content":"{\"temp_c\":18}"},
           {"role":"user","content":"And tomorrow?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
         "tool_choice":"required","parallel_tool_calls":false}
        """.Replace("IMAGE_DATA", Png, StringComparison.Ordinal);

    private const string MessageResponse = """
        {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
         "content":[{"type":"text","text":"I'll look that up."},{"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"city":"Paris","day":"tomorrow"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":472,"cache_creation_input_tokens":1536,"cache_read_input_tokens":2048,"cache_creation":{"ephemeral_5m_input_tokens":512,"ephemeral_1h_input_tokens":1024},"output_tokens":89,"service_tier":"standard"}}
        """;

    private FakeUpstream _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task SendChatAsync_ToolsImagesAndCache_TranslatesBothWays()
    {
        _upstream.Handler = FakeUpstream.Json(MessageResponse);
        var adapter = TestAdapters.Create("anthropic", _upstream.BaseUrl);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse(Request), TestContext.Current.CancellationToken);

        var sent = _upstream.LastRequest;
        Assert.Equal("/v1/messages", sent.Path);
        Assert.Equal(TestAdapters.Key, sent.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
        using (var body = JsonDocument.Parse(sent.Body))
        {
            var root = body.RootElement;
            Assert.Equal(1024, root.GetProperty("max_tokens").GetInt32());
            Assert.Equal("END", root.GetProperty("stop_sequences")[0].GetString());
            var system = root.GetProperty("system")[0];
            Assert.Equal("You are a weather bot.", system.GetProperty("text").GetString());
            Assert.Equal("1h", system.GetProperty("cache_control").GetProperty("ttl").GetString());
            var messages = root.GetProperty("messages");
            Assert.Equal(3, messages.GetArrayLength());
            var user = messages[0].GetProperty("content");
            Assert.Equal("base64", user[1].GetProperty("source").GetProperty("type").GetString());
            Assert.Equal("image/png", user[1].GetProperty("source").GetProperty("media_type").GetString());
            Assert.Equal(Png, user[1].GetProperty("source").GetProperty("data").GetString());
            Assert.Equal("url", user[2].GetProperty("source").GetProperty("type").GetString());
            var assistant = messages[1].GetProperty("content");
            Assert.Equal("tool_use", assistant[1].GetProperty("type").GetString());
            Assert.Equal("Paris", assistant[1].GetProperty("input").GetProperty("city").GetString());
            var toolResult = messages[2].GetProperty("content");
            Assert.Equal("tool_result", toolResult[0].GetProperty("type").GetString());
            Assert.Equal("toolu_01A", toolResult[0].GetProperty("tool_use_id").GetString());
            Assert.Equal("And tomorrow?", toolResult[1].GetProperty("text").GetString());
            Assert.Equal("any", root.GetProperty("tool_choice").GetProperty("type").GetString());
            Assert.True(root.GetProperty("tool_choice").GetProperty("disable_parallel_tool_use").GetBoolean());
            Assert.Equal("city", root.GetProperty("tools")[0].GetProperty("input_schema").GetProperty("required")[0].GetString());
        }

        Assert.True(response.IsSuccess);
        Assert.Equal("tool_calls", response.FinishReason);
        using (var answer = JsonDocument.Parse(await response.ReadBodyAsync(TestContext.Current.CancellationToken)))
        {
            var root = answer.RootElement;
            Assert.Equal("chat.completion", root.GetProperty("object").GetString());
            var message = root.GetProperty("choices")[0].GetProperty("message");
            Assert.Equal("I'll look that up.", message.GetProperty("content").GetString());
            var call = message.GetProperty("tool_calls")[0];
            Assert.Equal("toolu_01B", call.GetProperty("id").GetString());
            Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
            Assert.Equal("tomorrow", JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("day").GetString());
            var usage = root.GetProperty("usage");
            Assert.Equal(472 + 1536 + 2048, usage.GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(2048, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
            Assert.Equal(89, usage.GetProperty("completion_tokens").GetInt32());
        }

        var mapped = response.Usage!;
        Assert.Equal(4056, mapped.InputTokens);
        Assert.Equal(2048, mapped.CacheReadTokens);
        Assert.Equal(1536, mapped.CacheWriteTokens);
        Assert.Equal(512, mapped[UsageUnit.CacheWrite5mTokens]);
        Assert.Equal(1024, mapped[UsageUnit.CacheWrite1hTokens]);
        Assert.Equal(472, mapped.UncachedInputTokens);
        Assert.Equal(89, mapped.OutputTokens);
    }

    [Fact]
    public async Task SendChatAsync_Stream_TranslatesEventsAndMergesUsage()
    {
        string[] events =
        [
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01S\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":3000,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":1,\"service_tier\":\"standard\"}}}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: ping\ndata: {\"type\": \"ping\"}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Checking\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
            "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_01T\",\"name\":\"get_weather\",\"input\":{}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}\n\n",
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":58}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        ];
        _upstream.Handler = FakeUpstream.Sse(events);
        var adapter = TestAdapters.Create("anthropic", _upstream.BaseUrl);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}]}"""), TestContext.Current.CancellationToken);
        var body = await response.ReadBodyAsStringAsync(TestContext.Current.CancellationToken);

        using (var sent = JsonDocument.Parse(_upstream.LastRequest.Body))
        {
            Assert.True(sent.RootElement.GetProperty("stream").GetBoolean());
            Assert.Equal(4096, sent.RootElement.GetProperty("max_tokens").GetInt32());
        }

        var chunks = DataLines(body);
        Assert.Equal("[DONE]", chunks[^1]);
        var parsed = chunks[..^1].Select(c => JsonDocument.Parse(c).RootElement).ToList();
        Assert.All(parsed, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal("assistant", parsed[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var text = string.Concat(parsed.Where(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out _))
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal("Checking", text);
        var toolDeltas = parsed.Where(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("tool_calls", out _))
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0]).ToList();
        Assert.Equal("toolu_01T", toolDeltas[0].GetProperty("id").GetString());
        Assert.Equal("get_weather", toolDeltas[0].GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("{\"city\": \"Paris\"}", string.Concat(toolDeltas.Select(d => d.GetProperty("function").GetProperty("arguments").GetString())));
        Assert.Contains(parsed, c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").GetString() == "tool_calls");
        var usageChunk = parsed[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(3025, usageChunk.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(58, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        Assert.True(response.Completed);
        Assert.Equal("tool_calls", response.FinishReason);
        Assert.Equal(3025, response.Usage!.InputTokens);
        Assert.Equal(3000, response.Usage.CacheReadTokens);
        Assert.Equal(58, response.Usage.OutputTokens);
    }

    [Fact]
    public async Task CopyToAsync_StreamCutOffAfterStart_KeepsInputUsage()
    {
        _upstream.Handler = async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response,
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_cut\",\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":812,\"cache_read_input_tokens\":0,\"cache_creation_input_tokens\":0,\"output_tokens\":1}}}\n\n" +
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Once upon\"}}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(50);
            context.Abort();
        };
        var adapter = TestAdapters.Create("anthropic", _upstream.BaseUrl);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"claude-haiku-4-5","stream":true,"messages":[{"role":"user","content":"Tell a story"}]}"""), TestContext.Current.CancellationToken);
        var body = await response.ReadBodyAsStringAsync(TestContext.Current.CancellationToken);

        Assert.False(response.Completed);
        Assert.Equal(ProviderFailureKind.StreamInterrupted, response.Failure!.Kind);
        Assert.Equal(812, response.Usage!.InputTokens);
        Assert.Equal(1, response.Usage.OutputTokens);
        Assert.Contains("Once upon", body, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendChatAsync_Overloaded_IsRetryableServerErrorInOpenAIShape()
    {
        _upstream.Handler = FakeUpstream.Json("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", 529);
        var adapter = TestAdapters.Create("anthropic", _upstream.BaseUrl);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);

        Assert.Equal(ProviderFailureKind.ServerError, response.Failure!.Kind);
        Assert.True(response.Failure.IsRetryable);
        using var error = JsonDocument.Parse(await response.ReadBodyAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Overloaded", error.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("overloaded_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    internal static List<string> DataLines(string sse) =>
        sse.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l["data: ".Length..]).ToList();
}
