using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tollgate.Pricing;
using Tollgate.Providers.Routing;
using Tollgate.Providers.Tests.Infrastructure;
using Tollgate.Routing;

namespace Tollgate.Providers.Tests.Routing;

/// <summary>Routing plus fallback against two real HTTP upstreams: the primary fails, the backup answers.</summary>
public sealed class ChatRouterTests : IAsyncLifetime
{
    private const string Completion = """
        {"id":"chatcmpl-az","object":"chat.completion","created":1744000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
        """;

    private const string Body = """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],"max_tokens":50}""";

    private FakeUpstream _primary = null!;
    private FakeUpstream _backup = null!;
    private readonly InMemoryProviderStateStore _store = new();

    public async ValueTask InitializeAsync()
    {
        _primary = await FakeUpstream.StartAsync();
        _backup = await FakeUpstream.StartAsync();

        // Equal model on both: make the primary the first choice so the fallback is observable.
        await _store.SetPreferredAsync(GenerationType.Chat, "openai");
    }

    public async ValueTask DisposeAsync()
    {
        await _primary.DisposeAsync();
        await _backup.DisposeAsync();
    }

    private ChatRouter Create(TimeSpan? timeout = null, HealthMonitor? health = null)
    {
        var openai = ProviderPresets.Get("openai")!;
        openai.BaseUrl = new Uri(_primary.BaseUrl, "v1");
        openai.Backup = "azure";
        openai.Timeout = timeout ?? TimeSpan.FromSeconds(10);
        var azure = ProviderPresets.Get("azure")!;
        azure.BaseUrl = _backup.BaseUrl;
        var capabilities = CapabilityCatalog.BuiltIn();
        var set = ProviderSet.Create([openai, azure], TestAdapters.Http, capabilities, environment: _ => TestAdapters.Key);
        health ??= new HealthMonitor();
        var registry = new ProviderRegistry(_store, set.Descriptors);
        var costs = new CostEngine(PriceCatalog.BuiltIn);
        var router = new Router(set.Descriptors, capabilities, costs, health, new RoutingOptions { AllowSubstitution = false });
        var executor = new FallbackExecutor(new FallbackOptions { MaxAttemptsPerCandidate = 2, BaseDelay = TimeSpan.FromMilliseconds(1), UseJitter = false }, health);
        return new ChatRouter(set, router, registry, executor, costs);
    }

    [Fact]
    public async Task SendAsync_PrimaryAnswers503_RetriesThenBackupServes()
    {
        _primary.Handler = FakeUpstream.Json("""{"error":{"message":"The server is overloaded","type":"server_error"}}""", 503);
        _backup.Handler = FakeUpstream.Json(Completion);
        var attempts = new List<ProviderAttempt>();
        var request = ChatRequest.Parse(Body);

        var result = await Create().SendAsync(request, ChatRouter.RouteRequestFor(request, 12), a =>
        {
            attempts.Add(a);
            return ValueTask.CompletedTask;
        }, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal("azure/gpt-4o", result.Candidate!.ToString());
        Assert.Equal(2, _primary.Requests.Count);
        Assert.Single(_backup.Requests);
        Assert.Equal(Body, _backup.LastRequest.Body);
        Assert.Equal([503, 503, 200], attempts.Select(a => a.Response!.StatusCode));
        Assert.Equal(12, result.Response!.Usage!.InputTokens);
        var openaiStats = await _store.GetStatsAsync("openai", cancellationToken: TestContext.Current.CancellationToken);
        var azureStats = await _store.GetStatsAsync("azure", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal((2, 0), (openaiStats.Requests, openaiStats.Successes));
        Assert.Equal((1, 1), (azureStats.Requests, azureStats.Successes));
        Assert.True(azureStats.CostNanos > 0);
    }

    [Fact]
    public async Task SendAsync_PrimaryTimesOut_BackupServes()
    {
        _primary.Handler = async context => await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
        _backup.Handler = FakeUpstream.Json(Completion);
        var request = ChatRequest.Parse(Body);

        var result = await Create(timeout: TimeSpan.FromMilliseconds(250)).SendAsync(request, ChatRouter.RouteRequestFor(request, 12), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Equal("azure", result.Candidate!.Provider);
        Assert.Equal([ProviderFailureKind.Timeout, ProviderFailureKind.Timeout], result.Attempts.Take(2).Select(a => a.Response!.Failure!.Kind));
        using var body = JsonDocument.Parse(await result.Response!.ReadBodyAsync(TestContext.Current.CancellationToken));
        Assert.Equal("Hi!", body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }

    [Fact]
    public async Task SendAsync_BadRequest_DoesNotFallBack()
    {
        _primary.Handler = FakeUpstream.Json("""{"error":{"message":"Invalid value for 'temperature'","type":"invalid_request_error"}}""", 400);
        _backup.Handler = FakeUpstream.Json(Completion);
        var request = ChatRequest.Parse(Body);

        var result = await Create().SendAsync(request, ChatRouter.RouteRequestFor(request, 12), cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal(400, result.Response!.StatusCode);
        Assert.Empty(_backup.Requests);
        Assert.Single(result.Attempts);
    }

    [Fact]
    public async Task SendAsync_PrimaryDisabledInStore_GoesStraightToBackup()
    {
        _backup.Handler = FakeUpstream.Json(Completion);
        await _store.SetProviderEnabledAsync("openai", false, TestContext.Current.CancellationToken);
        var request = ChatRequest.Parse(Body);

        var result = await Create().SendAsync(request, ChatRouter.RouteRequestFor(request, 12), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.Empty(_primary.Requests);
        Assert.Equal("provider disabled", result.Decision.Alternatives.Single(a => a.Provider == "openai").Excluded);
    }

    [Fact]
    public async Task SendAsync_Stream_BackupStreamPassesThrough()
    {
        _primary.Handler = FakeUpstream.Json("""{"error":{"message":"Rate limit","type":"requests"}}""", 429);
        _backup.Handler = FakeUpstream.Sse([
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":1,\"total_tokens\":13}}\n\n",
            "data: [DONE]\n\n"]);
        var request = ChatRequest.Parse(Body.Replace("\"max_tokens\":50", "\"max_tokens\":50,\"stream\":true", StringComparison.Ordinal));

        var result = await Create().SendAsync(request, ChatRouter.RouteRequestFor(request, 12), cancellationToken: TestContext.Current.CancellationToken);
        await using var response = result.Response!;
        var body = await response.ReadBodyAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        Assert.Equal(13, response.Usage!.InputTokens + response.Usage.OutputTokens);
    }
}
