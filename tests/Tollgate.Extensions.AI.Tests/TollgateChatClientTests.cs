using Microsoft.Extensions.AI;
using Tollgate.Costing;
using Tollgate.Extensions.AI.Tests.Fakes;
using Tollgate.Extensions.AI.Tests.Infrastructure;

namespace Tollgate.Extensions.AI.Tests;

public sealed class TollgateChatClientTests
{
    [Fact]
    public async Task GetResponseAsync_ReportedUsageWithCacheAndReasoning_RecordsExactCatalogCost()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o")
        {
            Usage = new UsageDetails { InputTokenCount = 1000, CachedInputTokenCount = 400, OutputTokenCount = 500, ReasoningTokenCount = 200 },
        };
        using var client = inner.WithTollgate(tollgate.Engine);

        var response = await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        // gpt-4o in the built-in catalog: input $2.50/M, cache read $1.25/M, output $10/M (reasoning is part of output).
        // 600 uncached × 2.50/M = 0.0015; 400 cached × 1.25/M = 0.0005; 500 output × 10/M = 0.005.
        var record = await tollgate.SingleRecordAsync();
        Assert.Equal(0.002m, record.InputCost);
        Assert.Equal(0.005m, record.OutputCost);
        Assert.Equal(0.007m, record.TotalCost);
        Assert.Equal(1000, record.Usage.InputTokens);
        Assert.Equal(400, record.Usage.CacheReadTokens);
        Assert.Equal(500, record.Usage.OutputTokens);
        Assert.Equal(200, record.Usage.ReasoningTokens);
        Assert.Equal(("openai", "gpt-4o", "chat"), (record.Provider, record.Model, record.ApiFlavor));
        Assert.False(record.Estimated);
        Assert.False(record.Unpriced);
        Assert.True(record.Success);
        Assert.Equal(TestTollgate.Start, record.Timestamp);
        Assert.Equal(0.007m, response.AdditionalProperties?[TollgatePropertyKeys.Cost]);
        Assert.Equal(record.RequestId, response.AdditionalProperties?[TollgatePropertyKeys.RequestId]);
        Assert.Equal("Hello from the fake model.", response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_ResponseNamesDatedSnapshot_PricesTheSnapshot()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o-mini")
        {
            ResponseModelId = "gpt-4o-mini-2024-07-18",
            Usage = new UsageDetails { InputTokenCount = 2000, OutputTokenCount = 1000 },
        };
        using var client = inner.WithTollgate(tollgate.Engine);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        // gpt-4o-mini: $0.15/M in, $0.60/M out → 0.0003 + 0.0006.
        var record = await tollgate.SingleRecordAsync();
        Assert.Equal("gpt-4o-mini-2024-07-18", record.Model);
        Assert.Equal(0.0009m, record.TotalCost);
    }

    [Fact]
    public async Task GetResponseAsync_ProviderReportsNoUsage_BillsCountedTokensFlaggedEstimated()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o") { Usage = null, ResponseText = "Paris is the capital of France." };
        using var client = inner.WithTollgate(tollgate.Engine);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        var record = await tollgate.SingleRecordAsync();
        var output = Tokens.TiktokenEncoding.O200kBase.CountTokens("Paris is the capital of France.");
        Assert.True(record.Estimated);
        Assert.Equal(Prompt.Tokens, record.Usage.InputTokens);
        Assert.Equal(output, record.Usage.OutputTokens);
        Assert.Equal((Prompt.Tokens * 2.5m / 1_000_000m) + (output * 10m / 1_000_000m), record.TotalCost);
    }

    [Fact]
    public async Task GetResponseAsync_UnknownModel_RecordsUnpricedNotFree()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-nonexistent-9");
        using var client = inner.WithTollgate(tollgate.Engine);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        var record = await tollgate.SingleRecordAsync();
        Assert.True(record.Unpriced);
        Assert.Equal(100, record.Usage.InputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_InnerClientThrows_RecordsFailureAndReleasesHold()
    {
        var budget = new Budgets.Budget { Id = "daily", Limit = 1m, Period = Budgets.BudgetPeriod.Daily };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new ThrowingChatClient(new HttpRequestException("upstream down", null, System.Net.HttpStatusCode.BadGateway));
        using var client = inner.WithTollgate(tollgate.Engine, o => o.Provider = "openai");

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync(Prompt.Messages(), new ChatOptions { ModelId = "gpt-4o" }, Ct));

        var record = await tollgate.SingleRecordAsync();
        Assert.False(record.Success);
        Assert.Equal("http_502", record.ErrorClass);
        Assert.Equal(0m, record.TotalCost);
        var status = Assert.Single(await tollgate.Gate.GetStatusAsync(Ct));
        Assert.Equal(0m, status.Held);
        Assert.Equal(0m, status.Spent);
    }

    [Fact]
    public async Task GetResponseAsync_CallerOptions_AreNeverMutated()
    {
        var budget = new Budgets.Budget { Id = "daily", Limit = 1m, Period = Budgets.BudgetPeriod.Daily };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);
        var options = new ChatOptions { AdditionalProperties = new() { [TollgatePropertyKeys.User] = "u9", ["other"] = 1 } };

        await client.GetResponseAsync(Prompt.Messages(), options, Ct);

        Assert.Null(options.MaxOutputTokens);
        Assert.Equal(2, options.AdditionalProperties.Count);
        var seen = Assert.Single(inner.SeenOptions);
        Assert.NotSame(options, seen);
        // With a budget in force the held max output is sent, so the provider cannot bill past the hold:
        // no MaxOutputTokens asked → gpt-4o's maximum output (16,384) from the tokens area's model limits.
        Assert.Equal(Tokens.BuiltInModelLimits.Instance.GetMaxOutputTokens("openai", "gpt-4o"), seen!.MaxOutputTokens);
        Assert.Equal(16_384, seen.MaxOutputTokens);
        Assert.False(seen.AdditionalProperties!.ContainsKey(TollgatePropertyKeys.User));
        Assert.Equal(1, seen.AdditionalProperties["other"]);
    }

    [Fact]
    public async Task GetResponseAsync_DefaultMaxOutputTokensConfigured_HoldsAndSendsIt()
    {
        var budget = new Budgets.Budget { Id = "daily", Limit = 1m, Period = Budgets.BudgetPeriod.Daily };
        await using var tollgate = new TestTollgate([budget]);
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine, o => o.DefaultMaxOutputTokens = 800);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        Assert.Equal(800, Assert.Single(inner.SeenOptions)!.MaxOutputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_NoBudgetNoTollgateKeys_PassesCallerOptionsThrough()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = inner.WithTollgate(tollgate.Engine);
        var options = new ChatOptions { Temperature = 0.5f };

        await client.GetResponseAsync(Prompt.Messages(), options, Ct);

        Assert.Same(options, Assert.Single(inner.SeenOptions));
    }

    [Fact]
    public async Task ChatMiddleware_AsUseDelegate_WrapsTheInnerClient()
    {
        await using var tollgate = new TestTollgate();
        // The shape ChatClientBuilder.Use(Func<IChatClient, IChatClient>) takes.
        Func<IChatClient, IChatClient> middleware = tollgate.Engine.ChatMiddleware;
        var inner = new FakeChatClient("openai", "gpt-4o");
        using var client = middleware(inner);

        await client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct);

        Assert.IsType<TollgateChatClient>(client);
        Assert.Same(inner, client.GetService<FakeChatClient>());
        Assert.Equal(0.00045m, (await tollgate.SingleRecordAsync()).TotalCost); // 100 in × 2.5/M + 20 out × 10/M
    }

    [Fact]
    public async Task Constructor_NoProviderKnown_ThrowsSayingWhatToSet()
    {
        await using var tollgate = new TestTollgate();
        var inner = new FakeChatClient("", "gpt-4o");

        using var client = inner.WithTollgate(tollgate.Engine);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync(Prompt.Messages(), cancellationToken: Ct));

        Assert.Contains("TollgateChatClientOptions.Provider", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.Calls);
    }

    private sealed class ThrowingChatClient(Exception error) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromException<ChatResponse>(error);

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw error;

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
