using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tollgate.Costing;
using Tollgate.Providers.Tests.Infrastructure;

namespace Tollgate.Providers.Tests.Adapters;

public sealed class OpenAICompatibleAdapterTests : IAsyncLifetime
{
    private const string ToolRequest = """
        {"model":"gpt-4o","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":[{"type":"text","text":"Weather in Paris?"},{"type":"image_url","image_url":{"url":"https://example.com/paris.jpg"}}]}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
         "tool_choice":"auto","max_tokens":300,"temperature":0.2}
        """;

    private const string ToolResponse = """
        {"id":"chatcmpl-BKx7","object":"chat.completion","created":1744000000,"model":"gpt-4o-2024-08-06",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}],"refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":64,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
         "service_tier":"default","system_fingerprint":"fp_f5bdcc3276"}
        """;

    private FakeUpstream _upstream = null!;

    public async ValueTask InitializeAsync() => _upstream = await FakeUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task SendChatAsync_NonStreaming_ForwardsBodyUnchangedAndMapsUsage()
    {
        _upstream.Handler = FakeUpstream.Json(ToolResponse);
        var adapter = TestAdapters.Create("openai", _upstream.BaseUrl.WithPath("v1"));

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse(ToolRequest), TestContext.Current.CancellationToken);

        var sent = _upstream.LastRequest;
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal(ToolRequest, sent.Body);
        Assert.Equal($"Bearer {TestAdapters.Key}", sent.Headers["Authorization"]);
        Assert.True(response.IsSuccess);
        Assert.Equal(ToolResponse, await response.ReadBodyAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("tool_calls", response.FinishReason);
        var usage = response.Usage!;
        Assert.Equal(1200, usage.InputTokens);
        Assert.Equal(1024, usage.CacheReadTokens);
        Assert.Equal(300, usage.OutputTokens);
        Assert.Equal(64, usage.ReasoningTokens);
        Assert.Equal(176, usage.UncachedInputTokens);
    }

    [Fact]
    public async Task SendChatAsync_Stream_PassesBytesThroughAndObservesFinalUsage()
    {
        string[] events =
        [
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1744000000,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_abc123\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1744000000,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n",
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1744000000,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":null}\n\n",
            "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1744000000,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":2048,\"completion_tokens\":95,\"total_tokens\":2143,\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":32,\"audio_tokens\":0}}}\n\n",
            "data: [DONE]\n\n",
        ];
        _upstream.Handler = FakeUpstream.Sse(events);
        var adapter = TestAdapters.Create("groq", _upstream.BaseUrl.WithPath("openai/v1"));
        var request = ChatRequest.Parse(ToolRequest.Replace("\"max_tokens\":300", "\"max_tokens\":300,\"stream\":true", StringComparison.Ordinal));

        await using var response = await adapter.SendChatAsync(request, TestContext.Current.CancellationToken);
        var destination = new RecordingStream();
        await response.CopyToAsync(destination, TestContext.Current.CancellationToken);

        // Spliced, not re-serialised: the client's bytes follow the inserted option unchanged.
        Assert.Equal("{\"stream_options\":{\"include_usage\":true}," + System.Text.Encoding.UTF8.GetString(request.Body.Span)[1..], _upstream.LastRequest.Body);
        using (var sent = JsonDocument.Parse(_upstream.LastRequest.Body))
        {
            Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
            Assert.Equal("get_weather", sent.RootElement.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
        }

        Assert.Equal(string.Concat(events), destination.Text);
        Assert.True(response.Completed);
        Assert.Null(response.Failure);
        Assert.Equal("tool_calls", response.FinishReason);
        Assert.Equal(2048, response.Usage!.InputTokens);
        Assert.Equal(1920, response.Usage.CacheReadTokens);
        Assert.Equal(95, response.Usage.OutputTokens);
        Assert.Equal(32, response.Usage.ReasoningTokens);
    }

    [Fact]
    public async Task CopyToAsync_Stream_WritesFirstChunkBeforeUpstreamFinishes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _upstream.Handler = async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n");
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await context.Response.WriteAsync("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        };
        var adapter = TestAdapters.Create("openai", _upstream.BaseUrl.WithPath("v1"));

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);
        var destination = new RecordingStream();
        var copy = response.CopyToAsync(destination, TestContext.Current.CancellationToken);

        await destination.FirstWrite.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Contains("Hel", destination.Text, StringComparison.Ordinal);
        Assert.False(copy.IsCompleted);
        release.SetResult();
        await copy;
        Assert.True(response.Completed);
        Assert.Equal("stop", response.FinishReason);
    }

    [Fact]
    public async Task CopyToAsync_StreamCutOff_ReportsInterruptionWithUsageSoFar()
    {
        _upstream.Handler = async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"partial\"},\"finish_reason\":null}]}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(50);
            context.Abort();
        };
        var adapter = TestAdapters.Create("openai", _upstream.BaseUrl.WithPath("v1"));

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);
        var body = await response.ReadBodyAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("partial", body, StringComparison.Ordinal);
        Assert.False(response.Completed);
        Assert.Equal(ProviderFailureKind.StreamInterrupted, response.Failure!.Kind);
        Assert.Null(response.Usage);
    }

    [Fact]
    public async Task SendChatAsync_RateLimited_ReturnsRetryAfterAndRedactsKey()
    {
        _upstream.Handler = async context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers["Retry-After"] = "2";
            context.Response.ContentType = "application/json";
            var key = context.Request.Headers.Authorization.ToString()["Bearer ".Length..];
            await context.Response.WriteAsync($$$"""{"error":{"message":"Rate limit reached for key {{{key}}}","type":"requests","code":"rate_limit_exceeded"}}""");
        };
        var adapter = TestAdapters.Create("openai", _upstream.BaseUrl.WithPath("v1"));

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);
        var body = await response.ReadBodyAsStringAsync(TestContext.Current.CancellationToken);

        Assert.False(response.IsSuccess);
        Assert.Equal(429, response.StatusCode);
        Assert.Equal(ProviderFailureKind.RateLimited, response.Failure!.Kind);
        Assert.True(response.Failure.IsRetryable);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Failure.RetryAfter);
        Assert.DoesNotContain(TestAdapters.Key, response.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TestAdapters.Key, body, StringComparison.Ordinal);
        Assert.Contains("[redacted]", body, StringComparison.Ordinal);
        using var error = JsonDocument.Parse(body);
        Assert.Equal(429, error.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task SendChatAsync_AzureDeployment_UsesDeploymentPathApiVersionAndApiKeyHeader()
    {
        _upstream.Handler = FakeUpstream.Json(ToolResponse);
        var adapter = TestAdapters.Create("azure", _upstream.BaseUrl, o => o.Deployments["gpt-4o"] = "prod-gpt4o");

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse(ToolRequest), TestContext.Current.CancellationToken);

        var sent = _upstream.LastRequest;
        Assert.Equal("/openai/deployments/prod-gpt4o/chat/completions", sent.Path);
        Assert.Equal("?api-version=2024-10-21", sent.Query);
        Assert.Equal(TestAdapters.Key, sent.Headers["api-key"]);
        Assert.False(sent.Headers.ContainsKey("Authorization"));
        Assert.Equal(1200, response.Usage!.InputTokens);
    }

    [Fact]
    public async Task SendChatAsync_SlowUpstream_TimesOutAsResult()
    {
        _upstream.Handler = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
        };
        var adapter = TestAdapters.Create("openai", _upstream.BaseUrl.WithPath("v1"), o => o.Timeout = TimeSpan.FromMilliseconds(200));

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);

        Assert.Equal(ProviderFailureKind.Timeout, response.Failure!.Kind);
        Assert.Equal(0, response.StatusCode);
        Assert.False(response.ReachedProvider);
    }

    [Fact]
    public async Task SendChatAsync_NoKey_SaysWhichVariableToSet()
    {
        var options = ProviderPresets.Get("mistral")!;
        options.BaseUrl = _upstream.BaseUrl;
        var adapter = ProviderAdapterFactory.Create(options, TestAdapters.Http, environment: _ => null);

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse("""{"model":"mistral-small-latest","messages":[{"role":"user","content":"hi"}]}"""), TestContext.Current.CancellationToken);

        Assert.Equal(ProviderFailureKind.MissingApiKey, response.Failure!.Kind);
        Assert.Contains("MISTRAL_API_KEY", response.Failure.Message, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task SendChatAsync_ModelMappedForProvider_RewritesOnlyTheModel()
    {
        _upstream.Handler = FakeUpstream.Json(ToolResponse);
        var adapter = TestAdapters.Create("openrouter", _upstream.BaseUrl.WithPath("api/v1"), o => o.ModelNames["gpt-4o"] = "openai/gpt-4o");

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse(ToolRequest), TestContext.Current.CancellationToken);

        using var sent = JsonDocument.Parse(_upstream.LastRequest.Body);
        Assert.Equal("openai/gpt-4o", sent.RootElement.GetProperty("model").GetString());
        Assert.Equal(0.2, sent.RootElement.GetProperty("temperature").GetDouble());
        Assert.Equal("openai/gpt-4o", response.Model);
    }

    [Fact]
    public async Task SendChatAsync_StreamOptionsWithoutUsage_SwitchesUsageOnKeepingOtherOptions()
    {
        _upstream.Handler = FakeUpstream.Sse(["data: [DONE]\n\n"]);
        var adapter = TestAdapters.Create("openai", _upstream.BaseUrl.WithPath("v1"));
        var request = ChatRequest.Parse("""{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false},"messages":[{"role":"user","content":"hi"}]}""");

        await using var response = await adapter.SendChatAsync(request, TestContext.Current.CancellationToken);
        await response.ReadBodyAsync(TestContext.Current.CancellationToken);

        using var sent = JsonDocument.Parse(_upstream.LastRequest.Body);
        var options = sent.RootElement.GetProperty("stream_options");
        Assert.True(options.GetProperty("include_usage").GetBoolean());
        Assert.False(options.GetProperty("include_obfuscation").GetBoolean());
    }

    [Fact]
    public async Task SendChatAsync_StreamAlreadyAsksForUsage_SendsTheExactBytes()
    {
        _upstream.Handler = FakeUpstream.Sse(["data: [DONE]\n\n"]);
        var adapter = TestAdapters.Create("openai", _upstream.BaseUrl.WithPath("v1"));
        const string body = """{ "model" : "gpt-4o", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role":"user","content":"hi"}] }""";

        await using var response = await adapter.SendChatAsync(ChatRequest.Parse(body), TestContext.Current.CancellationToken);
        await response.ReadBodyAsync(TestContext.Current.CancellationToken);

        Assert.Equal(body, _upstream.LastRequest.Body);
        Assert.True(response.Completed);
    }

    [Fact]
    public void ChatRequest_Parse_DetectsRoutingFeatures()
    {
        var request = ChatRequest.Parse(ToolRequest);

        Assert.Equal("gpt-4o", request.Model);
        Assert.True(request.UsesImages);
        Assert.True(request.UsesTools);
        Assert.False(request.UsesJsonOutput);
        Assert.Equal(300, request.MaxOutputTokens);
        Assert.False(ChatRequest.TryParse(Encoding.UTF8.GetBytes("""{"messages":[]}"""), out _, out var error));
        Assert.Contains("model", error, StringComparison.Ordinal);
    }
}
